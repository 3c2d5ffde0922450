import { describe, expect, it } from 'vitest';
import type { Figure } from './figures.js';
import { escapeXml, niceTicks, renderFigureSvg } from './svg.js';

const figures: Figure[] = [
  {
    kind: 'bars',
    title: 'Stall per request',
    unit: 'ms',
    bars: [
      { label: 'Nagle on', value: 44 },
      { label: 'TCP_NODELAY', value: 0.08, note: 'fix' },
    ],
  },
  {
    kind: 'line',
    title: 'cwnd',
    xLabel: 'time (ms)',
    yLabel: 'segments',
    series: [
      {
        name: 'cold',
        points: [
          [0, 10],
          [40, 20],
          [80, 40],
          [120, 80],
        ],
      },
      {
        name: 'warm',
        points: [
          [0, 80],
          [40, 80],
        ],
      },
    ],
  },
  {
    kind: 'waterfall',
    title: 'Page load',
    unit: 'ms',
    rows: [
      {
        label: 'page',
        spans: [
          { start: 0, end: 40, phase: 'connect' },
          { start: 40, end: 81, phase: 'request' },
        ],
      },
      { label: 'img 1', spans: [{ start: 81, end: 122, phase: 'request' }] },
    ],
  },
  {
    kind: 'histogram',
    title: 'Latency',
    unit: 'ms',
    series: [
      {
        name: 'Nagle',
        buckets: [
          { upTo: 1, count: 1 },
          { upTo: 50, count: 19 },
        ],
      },
      { name: 'NODELAY', buckets: [{ upTo: 1, count: 20 }] },
    ],
  },
  {
    kind: 'table',
    title: 'Connections',
    columns: ['fd', 'requests', 'state'],
    rows: [
      [12, 3, 'idle'],
      [13, 1, 'busy'],
    ],
  },
  {
    kind: 'ladder',
    title: 'Delayed ACK',
    sides: ['client', 'server'],
    arrows: [
      { from: 0, atMs: 0, label: 'P. 1:61', note: 'request' },
      { from: 1, atMs: 40.2, label: '. ack 61', note: 'ACK held 40.2 ms: delayed ACK', highlight: true },
    ],
  },
];

/** Element names in document order: a cheap structural fingerprint of the markup. */
function tags(svg: string): string[] {
  return [...svg.matchAll(/<\/?([a-z]+)/g)].map((m) => m[0]);
}

/** Every opened element is closed (or self-closed) in order: the markup is well nested. */
function wellNested(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-z]+)[^>]*?(\/?)>/g)) {
    const [, close, name, self] = m;
    if (self) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0;
}

/** Seeded pseudo-random numbers (mulberry32), so the fuzz cases are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('escapeXml', () => {
  it('escapes markup characters and drops ANSI codes and XML-forbidden characters', () => {
    expect(escapeXml(`<a href="x">'1 & 2'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;1 &amp; 2&#39;&lt;/a&gt;');
    expect(escapeXml('\u001b[31mred\u001b[39m\u0000\u0007 ok')).toBe('red ok');
  });
});

describe('niceTicks', () => {
  it('covers the range with round steps', () => {
    expect(niceTicks(0, 87)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(5, 5).length).toBeGreaterThan(1);
  });
});

describe('renderFigureSvg', () => {
  it.each(figures.map((f) => [f.kind, f] as const))(
    'draws a %s figure as one well-nested svg with shapes and its title',
    (_kind, figure) => {
      const svg = renderFigureSvg(figure);
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      expect(wellNested(svg)).toBe(true);
      expect(svg).toContain(`<title>${figure.title}</title>`);
      expect(svg).toMatch(/<(rect|polyline|circle)\b/);
      expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    },
  );

  it('scales bars so the largest value fills the drawing width', () => {
    const svg = renderFigureSvg(
      {
        kind: 'bars',
        title: 't',
        unit: 'ms',
        bars: [
          { label: 'a', value: 100 },
          { label: 'b', value: 50 },
        ],
      },
      { width: 600 },
    );
    const widths = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="18" fill="#/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[0]! / widths[1]!).toBeCloseTo(2, 1);
    expect(widths[0]!).toBeLessThan(600);
  });

  it('gives every phase of a waterfall its own colour and a legend entry', () => {
    const svg = renderFigureSvg(figures[2]!);
    expect(svg).toContain('>connect</text>');
    expect(svg).toContain('>request</text>');
    const fills = new Set([...svg.matchAll(/<rect [^>]*fill="(#[0-9A-F]{6})"><title>/g)].map((m) => m[1]));
    expect(fills.size).toBe(2);
  });

  it('draws "no data" rather than failing on empty figures', () => {
    const empty: Figure[] = [
      { kind: 'bars', title: 'b', unit: 'ms', bars: [] },
      { kind: 'line', title: 'l', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [] }] },
      { kind: 'waterfall', title: 'w', unit: 'ms', rows: [] },
      { kind: 'histogram', title: 'h', unit: 'ms', series: [] },
      { kind: 'table', title: 't', columns: [], rows: [] },
      { kind: 'ladder', title: 'd', sides: ['client', 'server'], arrows: [] },
    ];
    for (const f of empty) expect(renderFigureSvg(f)).toContain('>no data</text>');
  });

  it('keeps a single point, equal values and non-finite numbers out of the coordinates', () => {
    const odd: Figure[] = [
      {
        kind: 'line',
        title: 'one point',
        xLabel: 'x',
        yLabel: 'y',
        series: [
          {
            name: 's',
            points: [
              [3, 3],
              [Number.NaN, 1],
            ],
          },
        ],
      },
      {
        kind: 'bars',
        title: 'zeros',
        unit: '',
        bars: [
          { label: 'a', value: 0 },
          { label: 'b', value: Number.POSITIVE_INFINITY },
        ],
      },
      { kind: 'waterfall', title: 'instant', unit: 'ms', rows: [{ label: 'r', spans: [{ start: 5, end: 5, phase: 'p' }] }] },
    ];
    for (const f of odd) expect(renderFigureSvg(f)).not.toMatch(/="[^"]*(NaN|Infinity)/);
  });

  it('draws a ladder with one arrow per segment, pointing the right way, the gap before it and the effect highlighted', () => {
    const svg = renderFigureSvg(figures[5]!);
    const arrows = [
      ...svg.matchAll(/<line x1="([\d.]+)" y1="[\d.]+" x2="([\d.]+)" y2="[\d.]+" stroke="(#[0-9A-F]+)" stroke-width="([\d.]+)"\/>/g),
    ];
    expect(arrows).toHaveLength(2);
    expect(Number(arrows[0]![1])).toBeLessThan(Number(arrows[0]![2])); // client → server: left to right
    expect(Number(arrows[1]![1])).toBeGreaterThan(Number(arrows[1]![2]));
    expect(arrows[1]![3]).toBe('#D55E00');
    expect(arrows[1]![4]).toBe('2.5');
    expect(svg).toContain('>+40.2 ms</text>');
    expect(svg).toContain('font-weight="bold">ACK held 40.2 ms: delayed ACK</text>');
  });

  it('notes how many table rows were left out past the limit', () => {
    const rows = Array.from({ length: 250 }, (_, i) => [i, 'x']);
    expect(renderFigureSvg({ kind: 'table', title: 't', columns: ['n', 's'], rows })).toContain('… 50 more rows');
  });

  it('never lets label text add markup, whatever the labels contain', () => {
    // The same figures with plain labels and with hostile or random ones: the element structure must not change.
    const labelled = (l: string): Figure[] => [
      {
        kind: 'bars',
        title: l,
        unit: l,
        bars: [
          { label: l, value: 1, note: l },
          { label: 'x', value: 2 },
        ],
      },
      { kind: 'waterfall', title: l, unit: 'ms', rows: [{ label: l, spans: [{ start: 0, end: 1, phase: l }] }] },
      { kind: 'table', title: l, columns: [l, 'n'], rows: [[l, 1]] },
      {
        kind: 'histogram',
        title: l,
        unit: 'ms',
        series: [
          { name: l, buckets: [{ upTo: 1, count: 2 }] },
          { name: 'b', buckets: [{ upTo: 2, count: 1 }] },
        ],
      },
      {
        kind: 'line',
        title: l,
        xLabel: l,
        yLabel: l,
        series: [
          {
            name: l,
            points: [
              [0, 1],
              [1, 2],
            ],
          },
          { name: 'b', points: [[0, 2]] },
        ],
      },
      {
        kind: 'ladder',
        title: l,
        sides: [l, l],
        arrows: [
          { from: 0, atMs: 0, label: l, note: l },
          { from: 1, atMs: 50, label: l, note: l, highlight: true },
        ],
      },
    ];
    const random = seeded(0x9e3779b9);
    const samples = [
      '',
      '<',
      '</svg>',
      '<script>alert(1)</script>',
      '"><rect/>',
      "' onload='x",
      '&amp;',
      '\u001b[31mred',
      ']]>',
      '<!--',
      '\uFFFF\u0000',
    ];
    for (let i = 0; i < 150; i++) {
      samples.push(String.fromCharCode(...Array.from({ length: 1 + Math.floor(random() * 30) }, () => Math.floor(random() * 0xffff))));
    }
    const plain = labelled('x').map((f) => tags(renderFigureSvg(f)));
    for (const label of samples) {
      labelled(label).forEach((f, i) => {
        const svg = renderFigureSvg(f);
        expect(tags(svg), JSON.stringify(label)).toEqual(plain[i]);
        expect(wellNested(svg)).toBe(true);
      });
    }
  });
});
