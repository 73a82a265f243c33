/**
 * Small, dependency-free e-mail parsing for the SpamAssassin corpus: header
 * unfolding, RFC 2047 subjects, MIME multipart walking, quoted-printable and
 * base64 decoding, charset decoding, HTML-to-text, and removal of everything a
 * mailing list adds to a message (headers, subject tags, body footers).
 *
 * It is deliberately simple ("where it is simple"): it handles the corpus's
 * messages well and never throws on malformed input (a malformed part simply
 * contributes its raw text).
 */

/** One header field; `name` is lower-cased, `value` is unfolded (continuation lines joined by a space). */
export interface Header {
  name: string;
  value: string;
}

/** A message or MIME part split into unfolded headers and the raw body text. */
export interface Part {
  headers: Header[];
  body: string;
}

/**
 * Splits raw message text at the first empty line into unfolded headers and body.
 * A leading mbox envelope line (`From sender date`) is skipped. Lines in the header
 * block that are neither `Name: value` nor continuations are ignored.
 */
export function splitMessage(raw: string): Part {
  const text = raw.replace(/\r\n?/g, '\n');
  let start = 0;
  if (text.startsWith('From ')) {
    const nl = text.indexOf('\n');
    start = nl < 0 ? text.length : nl + 1;
  }
  let end = text.indexOf('\n\n', start);
  // A message whose header block is immediately followed by the end of text.
  if (end < 0) end = text.length;
  const headerBlock = text.slice(start, end);
  const body = end >= text.length ? '' : text.slice(end + 2);
  const headers: Header[] = [];
  for (const line of headerBlock.split('\n')) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1].value += ' ' + line.trim();
      continue;
    }
    const m = /^([!-9;-~]+):[ \t]*(.*)$/.exec(line);
    if (m) headers.push({ name: m[1].toLowerCase(), value: m[2].trim() });
  }
  return { headers, body };
}

/** The first header named `name` (lower-case), or undefined. */
export function header(headers: Header[], name: string): string | undefined {
  for (const h of headers) if (h.name === name) return h.value;
  return undefined;
}

/** All values of the headers named `name` (lower-case). */
export function headerAll(headers: Header[], name: string): string[] {
  return headers.filter((h) => h.name === name).map((h) => h.value);
}

/** Header names (lower-case) that mailing-list software adds or that carry a spam verdict. */
const LIST_HEADER_NAMES = new Set([
  'mailing-list',
  'x-mailing-list',
  'x-beenthere',
  'precedence',
  'x-precedence-ref',
  'x-mailman-version',
  'x-yahoo-profile',
  'x-apparently-to',
  'x-bulkmail',
  'x-unsubscription-info',
  'x-acceptable-languages',
  'x-keenlist-info',
  'x-listprocessor-version',
]);

/**
 * True for a header that a mailing list adds, or that states a spam verdict, and so
 * must not reach any feature: `List-*`, `X-List*`, `Mailing-List`, `X-Mailing-List`,
 * `X-BeenThere`, `Precedence`, `X-Loop*` (and `Old-X-Loop`), `X-Mailman-*`, `X-eGroups-*`,
 * Yahoo Groups headers, any `X-*Spam*` header (SpamAssassin's `X-Spam-*`, SpamCop,
 * MailScanner's spam check), and `Sender` / `Errors-To` / `Delivered-To` /
 * `Return-Path` when they point at a list address (`-admin@`, `-request@`, `owner-`,
 * `-bounces@`, `listman.`, `lists.`, `yahoogroups`, `egroups`).
 */
export function isListOrVerdictHeader(h: Header): boolean {
  const n = h.name;
  if (LIST_HEADER_NAMES.has(n)) return true;
  if (n.startsWith('list-') || n.startsWith('x-list') || n.startsWith('x-egroups')) return true;
  if (n.includes('loop')) return true;
  if (n.startsWith('x-mailman')) return true;
  if (n.startsWith('x-') && n.includes('spam')) return true;
  if (n === 'sender' || n === 'errors-to' || n === 'delivered-to' || n === 'return-path') {
    return /-(admin|request|bounces?|owner)@|owner-|listman\.|lists?\.|yahoogroups|egroups|mailman/i.test(h.value);
  }
  return false;
}

/** Decodes RFC 2047 encoded words (`=?charset?B?...?=`, `=?charset?Q?...?=`) in a header value. */
export function decodeWords(value: string): string {
  // Whitespace between two adjacent encoded words is not part of the text.
  const joined = value.replace(/(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[bBqQ]\?)/g, '$1');
  return joined.replace(/=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g, (_all, charset: string, enc: string, data: string) => {
    const bytes =
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : qpBytes(data.replace(/_/g, ' '), false);
    return decodeBytes(bytes, charset);
  });
}

/** Quoted-printable to bytes. Non-ASCII characters already in the string are kept as UTF-8. */
function qpBytes(s: string, softBreaks = true): Buffer {
  const src = Buffer.from(softBreaks ? s.replace(/=[ \t]*\n/g, '') : s, 'utf8');
  const out = Buffer.alloc(src.length);
  let j = 0;
  const hex = (c: number): number =>
    c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === 61 /* = */ && i + 2 < src.length) {
      const hi = hex(src[i + 1]);
      const lo = hex(src[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out[j++] = hi * 16 + lo;
        i += 2;
        continue;
      }
    }
    out[j++] = c;
  }
  return out.subarray(0, j);
}

const decoders = new Map<string, TextDecoder | null>();

/** Decodes bytes in the given charset; unknown charsets fall back to UTF-8 if valid, else windows-1252. */
export function decodeBytes(bytes: Uint8Array, charset: string | undefined): string {
  let label = (charset ?? '').trim().toLowerCase().replace(/^["']|["']$/g, '');
  if (label === 'chinesebig5' || label === 'big-5') label = 'big5';
  if (label === '' || label === 'us-ascii' || label === 'ascii' || label === 'default') label = 'utf-8';
  let dec = decoders.get(label);
  if (dec === undefined) {
    try {
      dec = new TextDecoder(label);
    } catch {
      dec = null;
    }
    decoders.set(label, dec);
  }
  if (dec && label !== 'utf-8' && label !== 'utf8') return dec.decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** Parsed `Content-Type`: lower-cased `type/subtype` plus lower-cased parameter names. */
export interface ContentType {
  mime: string;
  params: Record<string, string>;
}

/** Parses a Content-Type header value; a missing or unreadable value means `text/plain`. */
export function parseContentType(value: string | undefined): ContentType {
  if (!value) return { mime: 'text/plain', params: {} };
  const [first, ...rest] = value.split(';');
  const mime = /^\s*([\w.+-]+\/[\w.+-]+)/.exec(first)?.[1].toLowerCase() ?? 'text/plain';
  const params: Record<string, string> = {};
  const re = /([\w*-]+)\s*=\s*("([^"]*)"|[^;\s]+)/g;
  const tail = rest.join(';');
  for (let m = re.exec(tail); m; m = re.exec(tail)) {
    params[m[1].toLowerCase()] = m[3] ?? m[2];
  }
  return { mime, params };
}

/** Decodes a part body given its Content-Transfer-Encoding and charset. */
export function decodeBody(body: string, encoding: string | undefined, charset: string | undefined): string {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === 'quoted-printable') return decodeBytes(qpBytes(body), charset);
  if (enc === 'base64') {
    const clean = body.replace(/[^A-Za-z0-9+/=]/g, '');
    return decodeBytes(Buffer.from(clean, 'base64'), charset);
  }
  // 7bit / 8bit / binary: the corpus package already stores text as decoded Unicode.
  return body;
}

const ENTITIES: Record<string, string> = {
  nbsp: ' ',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  copy: '©',
  reg: '®',
  trade: '™',
  euro: '€',
  pound: '£',
  cent: '¢',
  yen: '¥',
  middot: '·',
  bull: '•',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
};

/** Decodes named (a common subset) and numeric HTML character references. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});?/g, (all, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : ' ';
    }
    return ENTITIES[ref.toLowerCase()] ?? all;
  });
}

/**
 * HTML to plain text: drops comments, `<head>`, `<script>`, `<style>`; block tags become
 * line breaks; other tags vanish (so `Fr<b>ee</b>` reads `Free`); entities are decoded.
 */
export function htmlToText(html: string): string {
  let s = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(head|script|style|title)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<\/?(br|p|div|tr|li|ul|ol|h[1-6]|table|hr|blockquote|center|pre|dd|dt|form)\b[^>]*>/gi, '\n')
    .replace(/<\/?(td|th)\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '');
  s = decodeEntities(s);
  return normalizeWhitespace(s);
}

/** Collapses runs of spaces/tabs, trims every line, keeps at most one empty line in a row. */
export function normalizeWhitespace(s: string): string {
  // Only runs that change are matched (a single space or a bare newline is left alone).
  if (s.includes('\r')) s = s.replace(/\r\n?/g, '\n');
  return s
    .replace(/[ \t\f\v\u00a0]{2,}|[\t\f\v\u00a0]/g, ' ')
    .replace(/ \n ?|\n /g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A text leaf found while walking a MIME tree. */
interface Leaf {
  text: string; // decoded; still HTML when html is true
  html: boolean;
}

/** Plain text that is really HTML markup: an `<html>`/`<body>` tag, or at least 3 common tags. */
function looksLikeHtml(s: string): boolean {
  if (/<\s*(html|body)\b/i.test(s)) return true;
  const tags = s.match(/<\/?(?:table|tr|td|font|a|p|div|br|center|img)\b[^<>]{0,500}>/gi);
  return tags !== null && tags.length >= 3;
}

/**
 * Walks a MIME part and returns its readable text leaves (alternative: plain wins over
 * HTML). `seen.html` is set when any HTML part is met, chosen or not.
 */
function textLeaves(part: Part, depth: number, seen: { html: boolean }): Leaf[] {
  const ct = parseContentType(header(part.headers, 'content-type'));
  const cte = header(part.headers, 'content-transfer-encoding');
  if (depth < 8 && ct.mime.startsWith('multipart/') && ct.params.boundary) {
    const children = splitMultipart(part.body, ct.params.boundary).map((p) => textLeaves(p, depth + 1, seen));
    if (ct.mime === 'multipart/alternative') {
      const plain = children.find((c) => c.length > 0 && c.every((l) => !l.html) && c.some((l) => l.text.trim()));
      if (plain) return plain;
      return children.find((c) => c.length > 0) ?? [];
    }
    return children.flat();
  }
  if (depth < 8 && ct.mime === 'message/rfc822') {
    return textLeaves(splitMessage(part.body), depth + 1, seen);
  }
  if (ct.mime === 'text/html') {
    seen.html = true;
    return [{ text: decodeBody(part.body, cte, ct.params.charset), html: true }];
  }
  if (ct.mime === 'text/plain' || ct.mime === 'text/enriched' || ct.mime.startsWith('multipart/')) {
    const text = decodeBody(part.body, cte, ct.params.charset);
    const html = looksLikeHtml(text);
    if (html) seen.html = true;
    return [{ text, html }];
  }
  return []; // attachments (images, applications, ...) carry no text
}

/** Splits a multipart body at `--boundary` lines; preamble and epilogue are dropped. */
function splitMultipart(body: string, boundary: string): Part[] {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const open = '--' + boundary;
  const parts: Part[] = [];
  let current: string[] | null = null;
  for (const line of lines) {
    const t = line.trimEnd();
    if (t === open || t === open + '--') {
      if (current) parts.push(splitPartText(current.join('\n')));
      current = t === open ? [] : null;
      if (t !== open) break;
      continue;
    }
    if (current) current.push(line);
  }
  if (current) parts.push(splitPartText(current.join('\n')));
  // No boundary line at all: treat the whole body as one plain part.
  if (parts.length === 0) parts.push({ headers: [], body });
  return parts;
}

/** Like splitMessage, but a part that starts with an empty line has no headers. */
function splitPartText(text: string): Part {
  if (text.startsWith('\n')) return { headers: [], body: text.slice(1) };
  return splitMessage(text);
}

/** Readable body of a message: text leaves joined; `html` tells whether any leaf was HTML. */
export interface BodyText {
  /** Plain text, footers removed, HTML stripped, whitespace normalised. */
  text: string;
  /** True when the message has any HTML part (declared `text/html`, or plain text that is HTML markup), even an unused alternative. */
  html: boolean;
  /** Clickable links: `<a href>` anchors in HTML parts plus URLs (`http(s)://`, `ftp://`, `www.`) in plain parts. */
  links: number;
}

/** Extracts the readable body text of a message (see {@link BodyText}). */
export function bodyText(msg: Part): BodyText {
  const seen = { html: false };
  const leaves = textLeaves(msg, 0, seen);
  const html = seen.html;
  let links = 0;
  const texts: string[] = [];
  for (const leaf of leaves) {
    if (leaf.html) {
      const src = stripListFooters(leaf.text);
      links += (src.match(/<a\s[^>]*href\s*=/gi) ?? []).length;
      texts.push(stripListFooters(htmlToText(src)));
    } else {
      const t = stripListFooters(normalizeWhitespace(leaf.text));
      links += (t.match(/\b(?:https?|ftp):\/\/[^\s<>"]+|\bwww\.[a-z0-9-]+\.[^\s<>"]+/gi) ?? []).length;
      texts.push(t);
    }
  }
  return { text: texts.filter((t) => t.length > 0).join('\n\n'), html, links };
}

/** Cheap pre-check: text without any of these cannot contain a list footer. */
const FOOTER_HINT = /listinfo|mailing list|@lists\.|subscription information|-admin@|-request@|-bounces?@|-owner@|owner-|List maintainer|Yahoo! Groups|unsubscribe from this group|-unsubscribe@|DeathToSpam|sf\.net email|Irish Linux Users|List-|X-BeenThere|X-Mailman|Mailing-List|X-Loop|X-Spam-|Precedence:/i;

/** Lines (optionally quoted with `>`) that only a mailing list writes. */
const FOOTER_LINE = new RegExp(
  [
    String.raw`https?://\S*(?:mailman/listinfo|/lists/listinfo|/mailman/options)\S*`,
    String.raw`^[\w.-]+ mailing list(?:\s+<[^>\s]+>)?\s*$`,
    String.raw`^[\w.+-]+@lists\.[\w.-]+\s*$`,
    String.raw`\(un\)subscription information`,
    String.raw`This sf\.net email is sponsored by`,
    // Quoted header lines naming list-software addresses (Outlook's "From: fork-admin@xent.com On Behalf Of").
    String.raw`^\s*(?:From|Sender|Errors-To|Reply-To|Return-Path):.*\b(?:[\w.+-]+-(?:admin|request|bounces?|owner)|owner-[\w.+-]+)@`,
    String.raw`^List maintainer: \S+@\S+`,
    String.raw`^Irish Linux Users' Group(?: Social Events)?: \S+@linux\.ie`,
    String.raw`Your use of Yahoo! Groups is subject to`,
    String.raw`^To unsubscribe from this group, send an email to:`,
    String.raw`^[\w.-]+-unsubscribe@(?:yahoogroups|egroups)\.com\s*$`,
    // List and verdict header lines pasted into a body (forwarded or bounced messages).
    String.raw`^\s*(?:List-[A-Za-z-]+|X-BeenThere|X-Mailman-Version|Mailing-List|X-Mailing-List|X-Loop|X-Spam-[A-Za-z-]+|Precedence):[ \t]`,
    // Closing MIME boundary left by the SpamAssassin-Sightings forwarding wrapper (135 spam bodies).
    String.raw`^--(?:DeathToSpam)+(?:--)?\s*$`,
  ].join('|'),
  'im',
);

/**
 * Removes what mailing-list software appends or inserts into a body: Mailman footers
 * (`___` rule, "X mailing list", list address, listinfo URL), SourceForge "This sf.net
 * email is sponsored by" blocks, Yahoo! Groups sponsor blocks and footers, the ILUG
 * signature block, bare listinfo URLs (xent.com FoRK), and the `--DeathToSpam…--` boundary
 * line of the SpamAssassin-Sightings forwarding wrapper, and list / spam-verdict header
 * lines pasted into a body (`List-Id: …`, `X-Spam-Status: …`) — quoted (`> `) copies too.
 * Works on plain text and on HTML source (the patterns are line-based and ASCII).
 */
export function stripListFooters(text: string): string {
  if (!FOOTER_HINT.test(text)) return trimTrailingRules(text);
  let s = text
    // Mailman footer: rule, "Name mailing list", list address, listinfo URL.
    .replace(/^[> ]*_{20,}[ \t]*\n[> ]*[\w.-]+ mailing list.*\n(?:[> ]*\S+@\S+[ \t]*\n)?[> ]*\S*listinfo.*$/gim, '')
    // Yahoo! Groups sponsor block.
    .replace(/^[> ]*-{5,} ?Yahoo! Groups Sponsor -*~-->[\s\S]*?-{5,}~->[ \t]*$/gim, '')
    // SourceForge sponsor block: a dashed rule, "This sf.net email is sponsored by", up to the next rule or end.
    .replace(/^[> ]*-{20,}[ \t]*\n(?:[> ]*\n)*[> ]*This sf\.net email is sponsored by[\s\S]*?(?=^[> ]*_{20,}[ \t]*$|(?![\s\S]))/gim, '')
    // SourceForge sponsor block without a leading rule.
    .replace(/^[> ]*This sf\.net email is sponsored by[\s\S]*?(?=^[> ]*_{20,}[ \t]*$|(?![\s\S]))/gim, '');
  // Line-based removal of footer lines.
  const kept: string[] = [];
  for (const line of s.split('\n')) {
    if (FOOTER_LINE.test(line.replace(/^(?:\s*>)+\s?/, ''))) continue;
    kept.push(line);
  }
  return trimTrailingRules(kept.join('\n'));
}

/** Drops separator rules, signature dashes and empty lines left dangling at the end. */
function trimTrailingRules(s: string): string {
  let end = s.length;
  while (end > 0) {
    const nl = s.lastIndexOf('\n', end - 1);
    const line = s.slice(nl + 1, end);
    if (!/^[> \t]*(?:_{10,}|-{10,}|--)?[ \t]*$/.test(line)) break;
    end = Math.max(nl, 0);
  }
  return s.slice(0, end);
}

/**
 * Removes the tags mailing lists put in front of a subject (`[ILUG]`, `[SAtalk]`,
 * `[Razor-users]`, `[zzzzteana]`, …): a leading bracketed single word, possibly after
 * `Re:` / `Fwd:` / `Fw:` prefixes, repeatedly. Tags elsewhere in the subject stay.
 */
export function stripSubjectTags(subject: string): string {
  let s = subject;
  for (;;) {
    const next = s.replace(/^((?:\s*(?:re|fwd?|aw)\s*(?:\[\d+\])?\s*:\s*)*)\s*\[[\w.-]{1,30}\]\s*/i, '$1');
    if (next === s) return s.trim();
    s = next;
  }
}

const MONTHS = 'jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec';
const DATE_RE = new RegExp(String.raw`\b\d{1,2}\s*[- ]?\s*(?:${MONTHS})[a-z]*\.?\s*[- ]?\s*\d{2,4}\s+(\d{1,2}):(\d{2})`, 'i');

/**
 * Hour of day (0–23) as written in a Date header (the sender's local clock, not UTC),
 * or null when the header is missing or has no `day month year hh:mm` part.
 */
export function dateHour(value: string | undefined): number | null {
  if (!value) return null;
  const m = DATE_RE.exec(value);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h <= 23 && min <= 59 ? h : null;
}

/** Number of addresses in address-list header values (quoted names and comments ignored; groups without members count 0). */
export function countAddresses(values: string[]): number {
  let n = 0;
  for (const v of values) {
    const clean = v.replace(/"(?:[^"\\]|\\.)*"/g, '').replace(/\([^()]*\)/g, '');
    for (const item of clean.split(/[,;]/)) if (item.includes('@')) n++;
  }
  return n;
}
