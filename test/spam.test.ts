import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bodyText,
  countAddresses,
  dateHour,
  decodeBody,
  decodeWords,
  htmlToText,
  isListOrVerdictHeader,
  splitMessage,
  stripListFooters,
  stripSubjectTags,
} from '../examples/spam/email.ts';
import { loadData, type DataSpec } from '../runtime/data/index.ts';
import { fnv1a, prepare, processMessage, splitOf, type SpamRecord } from '../examples/spam/prepare.ts';

describe('e-mail parsing', () => {
  it('skips the mbox line, unfolds headers, splits the body', () => {
    const m = splitMessage('From x@y  Thu Aug 22 2002\nSubject: a\n  b\nTo: p@q\n\nbody\n\nmore');
    expect(m.headers).toEqual([
      { name: 'subject', value: 'a b' },
      { name: 'to', value: 'p@q' },
    ]);
    expect(m.body).toBe('body\n\nmore');
  });

  it('recognises list and verdict headers', () => {
    const yes = [
      ['list-id', 'x'],
      ['x-beenthere', 'x'],
      ['precedence', 'bulk'],
      ['x-loop', 'x'],
      ['mailing-list', 'x'],
      ['x-mailing-list', 'x'],
      ['x-spam-status', 'No'],
      ['x-mailman-version', '2'],
      ['sender', 'exmh-workers-admin@redhat.com'],
      ['errors-to', 'ilug-admin@linux.ie'],
    ];
    for (const [name, value] of yes) expect(isListOrVerdictHeader({ name, value }), name).toBe(true);
    for (const [name, value] of [
      ['subject', 'x'],
      ['received', 'from a by b'],
      ['sender', 'bob@example.com'],
    ]) {
      expect(isListOrVerdictHeader({ name, value }), name).toBe(false);
    }
  });

  it('decodes RFC 2047 words, quoted-printable and base64 bodies', () => {
    expect(decodeWords('=?iso-8859-1?Q?Caf=E9_cr=E8me?= ok')).toBe('Café crème ok');
    expect(decodeWords('=?utf-8?B?SGVsbG8=?= =?utf-8?B?IHdvcmxk?=')).toBe('Hello world');
    expect(decodeBody('a=3Db soft=\nbreak caf=E9', 'quoted-printable', 'iso-8859-1')).toBe('a=b softbreak café');
    expect(decodeBody(Buffer.from('Grüße').toString('base64'), 'base64', 'utf-8')).toBe('Grüße');
  });

  it('turns HTML into text', () => {
    expect(htmlToText('<html><head><title>t</title><style>p{}</style></head><body><p>Fr<b>ee</b> &amp; easy</p><br>now&nbsp;&#33;</body></html>')).toBe('Free & easy\n\nnow !');
  });

  it('strips list footers, sponsor blocks and the Sightings boundary', () => {
    const mailman = 'Hi there\n\n_______________________________________________\nExmh-workers mailing list\nExmh-workers@redhat.com\nhttps://listman.redhat.com/mailman/listinfo/exmh-workers\n';
    expect(stripListFooters(mailman)).toBe('Hi there');
    const ilug = "text\n-- \nIrish Linux Users' Group: ilug@linux.ie\nhttp://www.linux.ie/mailman/listinfo/ilug for (un)subscription information.\nList maintainer: listmaster@linux.ie";
    expect(stripListFooters(ilug)).toBe('text');
    const sf =
      'spam body\n--DeathToSpamDeathToSpamDeathToSpam--\n\n-------------------------------------------------------\nThis sf.net email is sponsored by:ThinkGeek\nWelcome to geek heaven.\nhttp://thinkgeek.com/sf\n_______________________________________________\nSpamassassin-Sightings mailing list\nSpamassassin-Sightings@lists.sourceforge.net\nhttps://lists.sourceforge.net/lists/listinfo/spamassassin-sightings\n';
    expect(stripListFooters(sf)).toBe('spam body');
    const yahoo =
      'hello\n------------------------ Yahoo! Groups Sponsor ---------------------~-->\nad\n---------------------------------------------------------------------~->\n\nTo unsubscribe from this group, send an email to:\nforteana-unsubscribe@egroups.com\n\nYour use of Yahoo! Groups is subject to http://docs.yahoo.com/info/terms/\n';
    expect(stripListFooters(yahoo)).toBe('hello');
    expect(stripListFooters('quoted\n> http://xent.com/mailman/listinfo/fork\nList-Id: <x.y>\nend')).toBe('quoted\nend');
    // Spam's own unsubscribe text is content, not a list footer.
    expect(stripListFooters('Buy now\nTo be removed from our mailing list, click here')).toBe('Buy now\nTo be removed from our mailing list, click here');
  });

  it('strips leading list tags from subjects only', () => {
    expect(stripSubjectTags('[ILUG] Guaranteed to lose weight')).toBe('Guaranteed to lose weight');
    expect(stripSubjectTags('Re: [SAtalk] [Razor-users] question')).toBe('Re: question');
    expect(stripSubjectTags('Something EVERY Business Needs! [6ywab]')).toBe('Something EVERY Business Needs! [6ywab]');
    expect(stripSubjectTags('[Lockergnome Windows Daily] news')).toBe('[Lockergnome Windows Daily] news');
  });

  it('reads the hour of a Date header, null when missing or unparsable', () => {
    expect(dateHour('Thu, 22 Aug 2002 07:36:16 -0400')).toBe(7);
    expect(dateHour('22 Aug 02 23:05')).toBe(23);
    expect(dateHour(undefined)).toBeNull();
    expect(dateHour('sometime yesterday')).toBeNull();
    expect(dateHour('Thu, 22 Aug 2002 25:00:00')).toBeNull();
  });

  it('counts To/Cc addresses', () => {
    expect(countAddresses(['"Doe, John" <j@x.com>, k@y.org', 'l@z.net'])).toBe(3);
    expect(countAddresses(['undisclosed-recipients:;'])).toBe(0);
    expect(countAddresses([])).toBe(0);
  });

  it('processes a multipart message: plain part preferred, HTML flagged, links counted', () => {
    const raw = [
      'Received: from a by b',
      'Received: from c by d',
      'List-Id: <secret.list>',
      'To: a@b.c, d@e.f',
      'Cc: g@h.i',
      'Subject: =?utf-8?Q?[ILUG]_Hello?=',
      'Date: Mon, 2 Sep 2002 18:04:05 +0100',
      'Content-Type: multipart/mixed; boundary="OUT"',
      '',
      'preamble',
      '--OUT',
      'Content-Type: multipart/alternative; boundary="IN"',
      '',
      '--IN',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'SEE http://a.example/x and www.b.example',
      '--IN',
      'Content-Type: text/html',
      '',
      '<p>SEE <a href="http://a.example/x">here</a></p>',
      '--IN--',
      '--OUT',
      'Content-Type: text/html; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '<a href=3D"http://c.example">caf=E9</a>',
      '--OUT',
      'Content-Type: image/gif',
      'Content-Transfer-Encoding: base64',
      '',
      'R0lGODlh',
      '--OUT--',
      'epilogue',
    ].join('\n');
    const b = bodyText(splitMessage(raw));
    expect(b.text).toBe('SEE http://a.example/x and www.b.example\n\ncafé');
    expect(b.html).toBe(true);
    expect(b.links).toBe(3);
    const r = processMessage('spam-1', '00042', raw);
    expect(r).toMatchObject({ id: 'spam-1/00042', group: 'spam-1', subject: 'Hello', received: 2, links: 3, html: 1, hour: 18, recipients: 3, is_spam: 1 });
    expect(r.size).toBe(Math.round(Math.log1p(b.text.length) * 1e4) / 1e4);
    expect(r.caps).toBe(Math.round((4 / 39) * 1e4) / 1e4);
    expect(JSON.stringify(r)).not.toContain('secret');
  });

  it('splits by group and by a hash of the id', () => {
    expect(splitOf('spam-2', 'spam-2/00001')).toBe('test');
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    const ids = Array.from({ length: 1000 }, (_, i) => `easy-ham-1/${String(i).padStart(5, '0')}`);
    const val = ids.filter((id) => splitOf('easy-ham-1', id) === 'val').length;
    expect(val).toBeGreaterThan(70);
    expect(val).toBeLessThan(130);
  });
});

describe('prepare on the real corpus', () => {
  it('is deterministic, has the expected counts, and leaks no list headers or footers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmf-spam-'));
    try {
      const a = prepare({ outPath: join(dir, 'a.jsonl') });
      const b = prepare({ outPath: join(dir, 'b.jsonl') });
      const bytesA = readFileSync(a.outPath);
      expect(bytesA.equals(readFileSync(b.outPath))).toBe(true);
      expect(readdirSync(dir).sort()).toEqual(['a.jsonl', 'b.jsonl']); // no temporary files left
      expect(a.records).toBe(6046);
      expect(a.counts).toEqual({ train: { n: 2917, spam: 451 }, val: { n: 333, spam: 49 }, test: { n: 2796, spam: 1396 } });

      const recs: SpamRecord[] = bytesA.toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(Object.keys(recs[0])).toEqual(['id', 'group', 'split', 'subject', 'body', 'received', 'links', 'html', 'caps', 'hour', 'size', 'recipients', 'is_spam']);
      expect(recs.filter((r) => r.is_spam).length).toBe(1896);
      expect(recs.filter((r) => r.hour === null).length).toBe(5);
      expect(recs.filter((r) => r.received === null).length).toBe(135);
      expect(recs.every((r) => (r.split === 'test') === r.group.endsWith('-2'))).toBe(true);

      const headerLine = /^[>\s]*(?:List-[A-Za-z-]+|X-BeenThere|X-Mailman-Version|Mailing-List|X-Mailing-List|X-Loop|X-Spam-[A-Za-z-]+):/m;
      const leaks = recs.filter((r) => headerLine.test(r.subject) || headerLine.test(r.body)).map((r) => r.id);
      expect(leaks).toEqual([]);
      const footers = recs.filter((r) => /mailman\/listinfo|lists\/listinfo|DeathToSpam|This sf\.net email is sponsored|Your use of Yahoo! Groups/i.test(r.body)).map((r) => r.id);
      expect(footers).toEqual([]);
      const tags = recs.filter((r) => /^(re:\s*)*\[(ILUG|ILUG-Social|SAtalk|SAdev|Razor-users|Spambayes|zzzzteana)\]/i.test(r.subject)).map((r) => r.id);
      expect(tags).toEqual([]);

      // The runtime pipeline reads it as the spam example will.
      const spec: DataSpec = {
        dataset: { name: 'emails', source: { format: 'jsonl', path: 'a.jsonl' }, split: { kind: 'column', column: 'split', train: ['train'], val: ['val'], test: ['test'] } },
        inputs: [
          { name: 'subject', kind: 'text', column: 'subject', vocab: 5000, maxLen: 24, lowercase: true, tokenizer: 'words' },
          { name: 'headers', kind: 'tabular', columns: ['received', 'links', 'html', 'caps', 'hour', 'size', 'recipients'], normalize: 'zscore', impute: 'median' },
        ],
        label: { name: 'spam', kind: 'binary', column: 'is_spam' },
      };
      const { splits, report } = loadData(spec, dir);
      expect(report.split.counts).toEqual({ train: 2917, val: 333, test: 2796 });
      expect(report.label.counts.test).toEqual([1400, 1396]);
      expect(splits.train.keys[0]).toBe('easy-ham-1/00001');
      const h = report.inputs.headers;
      if (h.kind !== 'tabular') throw new Error('kind');
      expect(h.splits.train.received.missing + h.splits.val.received.missing).toBe(135);
      expect(h.splits.train.hour.missing + h.splits.val.hour.missing + h.splits.test.hour.missing).toBe(5);
      expect(splits.test.inputs.headers.data.every((x) => Number.isFinite(x))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
