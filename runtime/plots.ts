/**
 * Figures and reports as plain strings: learning curves and confusion matrices as standalone SVG 1.1, and a
 * self-contained HTML report (figures inlined, no scripts, no external files). Every text that comes from data
 * (class names, model and input names) goes through {@link escapeXml}, so a class named `<b>&` is shown as such
 * and can never become markup.
 */
import type { ClassificationReport } from './metrics.ts';
import type { EpochRecord } from './train/types.ts';

/** Escape `& < > " '` for XML/HTML text and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const COLORS = { train: '#1f77b4', val: '#ff7f0e' };

/** Round to a "nice" tick step (1, 2, 5 × 10^k) for a range. */
function niceStep(range: number, ticks: number): number {
  if (!(range > 0)) return 1;
  const raw = range / ticks;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : Number(v.toFixed(4)).toString();
}

interface Series {
  name: string;
  color: string;
  points: [number, number][];
}

/**
 * One line chart panel at (x0, y0) of size w × h: axes with ticks, one polyline and one circle per point per
 * series (circles carry `class="pt"`, `data-series` and `data-epoch`).
 */
function panel(x0: number, y0: number, w: number, h: number, title: string, yLabel: string, series: Series[], epochs: number, fixed?: [number, number]): string {
  const m = { l: 52, r: 12, t: 26, b: 38 };
  const pw = w - m.l - m.r;
  const ph = h - m.t - m.b;
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => Number.isFinite(v));
  let lo = fixed ? fixed[0] : Math.min(...ys);
  let hi = fixed ? fixed[1] : Math.max(...ys);
  if (!ys.length) [lo, hi] = [0, 1];
  if (hi - lo < 1e-9) [lo, hi] = [lo - 0.5, hi + 0.5];
  if (!fixed) {
    const pad = (hi - lo) * 0.05;
    lo = Math.max(0, lo - pad);
    hi += pad;
  }
  const X = (e: number) => x0 + m.l + (epochs <= 1 ? pw / 2 : ((e - 1) / (epochs - 1)) * pw);
  const Y = (v: number) => y0 + m.t + ph - ((v - lo) / (hi - lo)) * ph;
  const out: string[] = [];
  out.push(`<g class="panel">`);
  out.push(`<text x="${x0 + m.l}" y="${y0 + 16}" font-size="13" ${FONT}>${escapeXml(title)}</text>`);
  out.push(`<rect x="${x0 + m.l}" y="${y0 + m.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  const step = niceStep(hi - lo, 5);
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) {
    const y = Y(v).toFixed(1);
    out.push(`<line x1="${x0 + m.l - 4}" y1="${y}" x2="${x0 + m.l + pw}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x0 + m.l - 6}" y="${y}" dy="0.32em" text-anchor="end" font-size="10" ${FONT}>${num(Number(v.toPrecision(6)))}</text>`);
  }
  const estep = Math.max(1, Math.ceil(epochs / 10));
  for (let e = 1; e <= epochs; e += estep) {
    const x = X(e).toFixed(1);
    out.push(`<text x="${x}" y="${y0 + m.t + ph + 14}" text-anchor="middle" font-size="10" ${FONT}>${e}</text>`);
  }
  out.push(`<text x="${x0 + m.l + pw / 2}" y="${y0 + h - 6}" text-anchor="middle" font-size="11" ${FONT}>epoch</text>`);
  out.push(`<text transform="translate(${x0 + 12} ${y0 + m.t + ph / 2}) rotate(-90)" text-anchor="middle" font-size="11" ${FONT}>${escapeXml(yLabel)}</text>`);
  series.forEach((s, k) => {
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.8" points="${pts.map(([e, v]) => `${X(e).toFixed(1)},${Y(v).toFixed(1)}`).join(' ')}"/>`);
    for (const [e, v] of pts)
      out.push(`<circle class="pt" data-series="${escapeXml(s.name)}" data-epoch="${e}" cx="${X(e).toFixed(1)}" cy="${Y(v).toFixed(1)}" r="2.6" fill="${s.color}"><title>${escapeXml(s.name)}, epoch ${e}: ${num(v)}</title></circle>`);
    // Legend in the title row, right-aligned: it never covers the curves.
    const lx = x0 + w - m.r - (series.length - k) * 62;
    out.push(`<line x1="${lx}" y1="${y0 + 12}" x2="${lx + 14}" y2="${y0 + 12}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text x="${lx + 18}" y="${y0 + 12}" dy="0.32em" font-size="10" ${FONT}>${escapeXml(s.name)}</text>`);
  });
  out.push(`</g>`);
  return out.join('\n');
}

/**
 * Learning curves as SVG: loss (left) and accuracy (right) per epoch, training and validation (validation
 * only where the history has it). One `<circle class="pt">` per series and epoch with a finite value.
 */
export function learningCurvesSvg(history: EpochRecord[], title = 'learning curves'): string {
  const W = 760;
  const H = 300;
  const epochs = Math.max(1, ...history.map((r) => r.epoch));
  const pick = (f: (r: EpochRecord) => number | null) => history.filter((r) => f(r) !== null).map((r) => [r.epoch, f(r)!] as [number, number]);
  const lossSeries: Series[] = [{ name: 'train', color: COLORS.train, points: pick((r) => r.loss) }];
  const accSeries: Series[] = [{ name: 'train', color: COLORS.train, points: pick((r) => r.accuracy) }];
  const vl = pick((r) => r.val_loss);
  const va = pick((r) => r.val_accuracy);
  if (vl.length) lossSeries.push({ name: 'val', color: COLORS.val, points: vl });
  if (va.length) accSeries.push({ name: 'val', color: COLORS.val, points: va });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    panel(0, 0, W / 2, H, 'loss', 'cross-entropy', lossSeries, epochs),
    panel(W / 2, 0, W / 2, H, 'accuracy', 'accuracy', accSeries, epochs, [0, 1]),
    `</svg>`,
    '',
  ].join('\n');
}

/** Shorten a label for an axis (the full text stays in the cell's tooltip). */
function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}

/**
 * Confusion matrix as SVG: rows are true classes, columns predicted classes; one `<rect class="cell">` per
 * (true, predicted) pair with its count, shaded by the row's share (recall per cell). `classes` names the
 * rows/columns (missing names become the class index). Throws if the matrix is not square.
 */
export function confusionMatrixSvg(matrix: number[][], classes: string[], title = 'confusion matrix'): string {
  const k = matrix.length;
  if (matrix.some((r) => r.length !== k)) throw new Error(`confusionMatrixSvg: the matrix is not square (${k} rows)`);
  const names = Array.from({ length: k }, (_, i) => classes[i] ?? String(i));
  const cell = Math.max(28, Math.min(64, Math.floor(480 / Math.max(1, k))));
  const labelW = Math.min(160, 14 + 7 * Math.max(4, ...names.map((n) => clip(n, 20).length)));
  const top = 40 + labelW * 0.7;
  const heading = `${title} (rows: true, columns: predicted)`;
  const W = Math.max(labelW + 30 + k * cell + 20, 20 + heading.length * 7);
  const H = top + k * cell + 40;
  const x0 = labelW + 30;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W.toFixed(0)}" height="${H.toFixed(0)}" viewBox="0 0 ${W.toFixed(0)} ${H.toFixed(0)}" role="img" aria-label="${escapeXml(title)}">`);
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text x="10" y="18" font-size="13" ${FONT}>${escapeXml(heading)}</text>`);
  for (let j = 0; j < k; j++) {
    const cx = x0 + j * cell + cell / 2;
    out.push(`<text transform="translate(${cx} ${top - 6}) rotate(-45)" font-size="11" ${FONT}>${escapeXml(clip(names[j]!, 20))}</text>`);
  }
  for (let i = 0; i < k; i++) {
    const row = matrix[i]!;
    const total = row.reduce((a, b) => a + b, 0);
    const y = top + i * cell;
    out.push(`<text x="${x0 - 6}" y="${y + cell / 2}" dy="0.32em" text-anchor="end" font-size="11" ${FONT}>${escapeXml(clip(names[i]!, 20))}</text>`);
    for (let j = 0; j < k; j++) {
      const v = row[j]!;
      const share = total > 0 ? v / total : 0;
      const light = Math.round(255 - share * 200);
      const fill = i === j ? `rgb(${light},${Math.round(255 - share * 120)},${light})` : `rgb(255,${light},${light})`;
      out.push(
        `<rect class="cell" data-true="${i}" data-pred="${j}" data-count="${v}" x="${x0 + j * cell}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#fff">` +
          `<title>true ${escapeXml(names[i]!)}, predicted ${escapeXml(names[j]!)}: ${v} (${(100 * share).toFixed(1)}% of the row)</title></rect>`,
      );
      out.push(`<text x="${x0 + j * cell + cell / 2}" y="${y + cell / 2}" dy="0.32em" text-anchor="middle" font-size="${cell < 36 ? 9 : 11}" fill="${share > 0.6 ? '#fff' : '#000'}" ${FONT}>${v}</text>`);
    }
  }
  out.push(`<text x="${x0 + (k * cell) / 2}" y="${H - 10}" text-anchor="middle" font-size="11" ${FONT}>predicted class</text>`);
  out.push(`</svg>`, '');
  return out.join('\n');
}

/**
 * Accuracy per robustness condition as a horizontal bar chart (SVG): one `<rect class="bar">` per row, longest
 * possible bar = accuracy 1, a dashed line at the first row's accuracy (the clean rows), labels escaped.
 */
export function robustnessSvg(rows: { label: string; accuracy: number }[], title = 'accuracy under perturbation'): string {
  const labelW = Math.min(260, 16 + 7 * Math.max(8, ...rows.map((r) => r.label.length)));
  const barW = 360;
  const rowH = 22;
  const top = 30;
  const W = labelW + barW + 70;
  const H = top + rows.length * rowH + 30;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(title)}">`);
  out.push(`<title>${escapeXml(title)}</title>`, `<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text x="10" y="18" font-size="13" ${FONT}>${escapeXml(title)}</text>`);
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const w = Math.max(0, Math.min(1, r.accuracy)) * barW;
    out.push(`<text x="${labelW - 6}" y="${y + rowH / 2}" dy="0.32em" text-anchor="end" font-size="11" ${FONT}>${escapeXml(r.label)}</text>`);
    out.push(
      `<rect class="bar" data-accuracy="${r.accuracy}" x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${i === 0 ? COLORS.train : COLORS.val}">` +
        `<title>${escapeXml(r.label)}: ${(100 * r.accuracy).toFixed(2)}%</title></rect>`,
    );
    out.push(`<text x="${labelW + w + 4}" y="${y + rowH / 2}" dy="0.32em" font-size="10" ${FONT}>${(100 * r.accuracy).toFixed(1)}%</text>`);
  });
  if (rows.length) {
    const x = (labelW + Math.max(0, Math.min(1, rows[0]!.accuracy)) * barW).toFixed(1);
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + rows.length * rowH}" stroke="#444" stroke-dasharray="3 3"/>`);
  }
  for (const v of [0, 0.5, 1]) out.push(`<text x="${labelW + v * barW}" y="${H - 10}" text-anchor="middle" font-size="10" ${FONT}>${v * 100}%</text>`);
  out.push('</svg>', '');
  return out.join('\n');
}

/** A table for the HTML report: a caption, column heads, rows of cells (strings are escaped). */
export interface ReportTable {
  caption: string;
  head: string[];
  rows: (string | number)[][];
}

/** What {@link htmlReport} shows. */
export interface ReportContent {
  title: string;
  /** Lines under the title (model, split, rows, backend…). */
  subtitle?: string[];
  classes: string[];
  /** Metrics of the split the confusion matrix is of. */
  metrics: ClassificationReport;
  /** Per-epoch history for the learning curves (training reports). */
  history?: EpochRecord[];
  /** More tables (robustness, epochs…). */
  tables?: ReportTable[];
  /** More figures (SVG strings made by this module), shown after the confusion matrix. */
  figures?: string[];
}

const pct = (v: number) => (100 * v).toFixed(2) + '%';

function table(t: ReportTable): string {
  const cell = (v: string | number) => `<td>${escapeXml(typeof v === 'number' ? num(v) : v)}</td>`;
  return [
    `<table><caption>${escapeXml(t.caption)}</caption>`,
    `<thead><tr>${t.head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead>`,
    `<tbody>${t.rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('\n')}</tbody></table>`,
  ].join('\n');
}

/** The metrics table, per-class table and figures of a report as one self-contained HTML page. */
export function htmlReport(c: ReportContent): string {
  const m = c.metrics;
  const summary: ReportTable = {
    caption: `metrics (${m.samples} rows)`,
    head: ['metric', 'value'],
    rows: [
      ['accuracy', pct(m.accuracy)],
      [m.kind === 'binary' ? 'precision (positive class)' : 'precision (macro)', pct(m.precision)],
      [m.kind === 'binary' ? 'recall (positive class)' : 'recall (macro)', pct(m.recall)],
      [m.kind === 'binary' ? 'F1 (positive class)' : 'F1 (macro)', pct(m.f1)],
      ['macro F1', pct(m.macro.f1)],
      ...(m.kind === 'binary' ? [['ROC-AUC', m.rocAuc === null ? 'undefined (one class only)' : m.rocAuc.toFixed(4)]] : []),
      ['log loss', m.logLoss.toFixed(4)],
    ],
  };
  const perClass: ReportTable = {
    caption: 'per class',
    head: ['class', 'precision', 'recall', 'F1', 'support'],
    rows: m.perClass.map((s, i) => [c.classes[i] ?? String(i), pct(s.precision), pct(s.recall), pct(s.f1), s.support]),
  };
  const parts = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(c.title)}</title>`,
    '<style>body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}' +
      'td,th{border:1px solid #ccc;padding:3px 9px;text-align:right}th{background:#f3f3f3}td:first-child{text-align:left}' +
      'caption{text-align:left;font-weight:bold;padding:4px 0}figure{margin:1em 0}</style>',
    '</head><body>',
    `<h1>${escapeXml(c.title)}</h1>`,
    ...(c.subtitle ?? []).map((s) => `<p>${escapeXml(s)}</p>`),
    table(summary),
    table(perClass),
  ];
  if (c.history && c.history.length) parts.push(`<figure>${learningCurvesSvg(c.history)}<figcaption>learning curves</figcaption></figure>`);
  parts.push(`<figure>${confusionMatrixSvg(m.confusionMatrix, c.classes)}</figure>`);
  for (const f of c.figures ?? []) parts.push(`<figure>${f}</figure>`);
  for (const t of c.tables ?? []) parts.push(table(t));
  parts.push('</body></html>', '');
  return parts.join('\n');
}
