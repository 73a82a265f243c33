/** A Keras-like summary table of a model: layer, output shape, parameters, FLOPs. */
import type { IRModel } from '../compiler/index.ts';
import { formatShape } from '../compiler/index.ts';

const n = (x: number) => x.toLocaleString('en-US');

export function summaryTable(m: IRModel): string {
  const rows: string[][] = [['layer', 'op', 'output shape', 'params', 'FLOPs']];
  for (const i of m.inputs) rows.push([i.name, 'input', formatShape(i.out.shape), '0', '0']);
  // a layer sharing another's weights (encoder definition with `shared`) counts none of its own
  for (const x of m.nodes) rows.push([x.id, x.sharedWith ? `${x.op} (weights of ${x.sharedWith})` : x.op, formatShape(x.out.shape), n(x.params), n(x.flops)]);
  const params = m.nodes.reduce((s, x) => s + x.params, 0);
  const flops = m.nodes.reduce((s, x) => s + x.flops, 0);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const rule = '-'.repeat(widths.reduce((s, w) => s + w + 2, -2));
  return [`model ${m.name}`, fmt(rows[0]!), rule, ...rows.slice(1).map(fmt), rule, `total: ${n(params)} parameters, ${n(flops)} FLOPs per sample`].join('\n');
}
