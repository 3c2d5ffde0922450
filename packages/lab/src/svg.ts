// SVG drawings of lab figures for the HTML report, from the same data the
// terminal draws. Output is a plain string with every piece of text escaped,
// deterministic for the same input (no ids, no clocks), so it can be inlined
// into a page several times and compared in tests.
import { stripVTControlCharacters } from 'node:util';
import type { BarsFigure, Figure, HistogramFigure, LadderFigure, LineFigure, TableFigure, WaterfallFigure } from './figures.js';
import { formatValue, ladderGap } from './text.js';

/** Options for {@link renderFigureSvg}. */
export interface SvgOptions {
  /** Drawing width in CSS pixels (tables grow wider when their text needs it). Default 720. */
  width?: number;
}

/**
 * Okabe–Ito colours: distinguishable with the common colour-vision deficiencies,
 * readable on white. Series and phases take them in order of first appearance.
 */
export const svgPalette: readonly string[] = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#8C6D1F', '#666666'];

const font = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const mono = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";
const ink = '#1f2328';
const dim = '#59636e';
const grid = '#d0d7de';
const titleHeight = 30;
const pad = 12;
const maxTableRows = 200;

// Characters XML 1.0 forbids even when escaped; lesson lines may carry ANSI colour codes too.
// eslint-disable-next-line no-control-regex
const forbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/**
 * Make any text safe inside XML or HTML text and attribute values: ANSI colour
 * codes and characters XML forbids are removed, `& < > " '` become entities.
 *
 * @example
 * escapeXml('<b>"1 & 2"</b>'); // '&lt;b&gt;&quot;1 &amp; 2&quot;&lt;/b&gt;'
 */
export function escapeXml(text: string): string {
  return stripVTControlCharacters(text)
    .replace(forbidden, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A coordinate with one decimal; anything non-finite becomes 0 so no NaN reaches the markup. */
function n(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 10) / 10) : '0';
}

const segmenter = new Intl.Segmenter();
/** User-perceived characters, so clipping never splits an emoji or a combining accent. */
function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** Rough width of a text run: average glyph width of a sans face is about 0.6 em. */
function textWidth(text: string, size = 12): number {
  return graphemes(text).length * size * 0.6;
}

/** Smallest and largest of many values without spreading them onto the call stack. */
function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function clip(text: string, maxWidth: number, size = 12): string {
  const chars = graphemes(text);
  const fit = Math.max(1, Math.floor(maxWidth / (size * 0.6)));
  return chars.length <= fit ? text : `${chars.slice(0, Math.max(1, fit - 1)).join('')}…`;
}

interface TextOptions {
  size?: number;
  anchor?: 'start' | 'middle' | 'end';
  fill?: string;
  weight?: 'bold';
  family?: string;
  transform?: string;
  baseline?: 'middle';
}

function text(x: number, y: number, content: string, o: TextOptions = {}): string {
  const attrs = [
    `x="${n(x)}"`,
    `y="${n(y)}"`,
    o.size !== undefined && o.size !== 12 ? `font-size="${o.size}"` : '',
    o.anchor && o.anchor !== 'start' ? `text-anchor="${o.anchor}"` : '',
    o.baseline ? `dominant-baseline="${o.baseline}"` : '',
    o.fill && o.fill !== ink ? `fill="${o.fill}"` : '',
    o.weight ? `font-weight="${o.weight}"` : '',
    o.family ? `font-family="${o.family}"` : '',
    o.transform ? `transform="${o.transform}"` : '',
  ].filter(Boolean);
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}

function rect(x: number, y: number, w: number, h: number, fill: string, tooltip?: string): string {
  const shape = `<rect x="${n(x)}" y="${n(y)}" width="${n(Math.max(0, w))}" height="${n(Math.max(0, h))}" fill="${fill}"`;
  return tooltip === undefined ? `${shape}/>` : `${shape}><title>${escapeXml(tooltip)}</title></rect>`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke = grid): string {
  return `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" stroke="${stroke}" stroke-width="1"/>`;
}

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="connlab-figure" viewBox="0 0 ${n(width)} ${n(height)}" width="${n(width)}" height="${n(height)}" role="img" aria-label="${escapeXml(title)}" font-family="${font}" font-size="12" fill="${ink}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${n(width)}" height="${n(height)}" fill="#ffffff"/>`,
    text(pad, 20, title, { size: 14, weight: 'bold' }),
    ...body,
    '</svg>',
  ].join('\n');
}

function noData(width: number, title: string): string {
  return frame(width, titleHeight + 40, title, [text(pad, titleHeight + 22, 'no data', { fill: dim })]);
}

/**
 * Evenly spaced, round tick values covering [lo, hi]: steps of 1, 2 or 5 times
 * a power of ten, about `count` of them.
 *
 * @example
 * niceTicks(0, 87); // [0, 20, 40, 60, 80, 100]
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad1 = lo === 0 ? 1 : Math.abs(lo) / 2;
    lo -= pad1;
    hi += pad1;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let v = first; v < hi + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function tickLabel(value: number, unit?: string): string {
  if (value === 0) return '0';
  if (unit !== undefined) return formatValue(value, unit);
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(Number(value.toPrecision(4)));
}

function legend(x: number, y: number, names: readonly string[], maxWidth: number): { svg: string[]; height: number } {
  const svg: string[] = [];
  let cx = x;
  let cy = y;
  names.forEach((name, i) => {
    const label = clip(name, maxWidth - 40);
    const w = 18 + textWidth(label) + 16;
    if (cx > x && cx + w > x + maxWidth) {
      cx = x;
      cy += 18;
    }
    svg.push(rect(cx, cy - 9, 12, 12, svgPalette[i % svgPalette.length]!), text(cx + 18, cy + 1, label, { fill: dim }));
    cx += w;
  });
  return { svg, height: names.length ? cy - y + 18 : 0 };
}

function barsSvg(f: BarsFigure, width: number): string {
  if (f.bars.length === 0) return noData(width, f.title);
  const rowHeight = 26;
  const valueText = f.bars.map((b) => `${formatValue(b.value, f.unit)}${b.note ? `  ${b.note}` : ''}`);
  const labelWidth = Math.min(width * 0.36, Math.max(...f.bars.map((b) => textWidth(b.label))) + 10);
  const valueWidth = Math.min(width * 0.34, Math.max(...valueText.map((t) => textWidth(t))) + 10);
  const x0 = pad + labelWidth;
  const barMax = Math.max(40, width - x0 - valueWidth - pad);
  const max = Math.max(0, ...f.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
  const body: string[] = [];
  f.bars.forEach((b, i) => {
    const y = titleHeight + 8 + i * rowHeight;
    const value = Number.isFinite(b.value) ? Math.max(0, b.value) : 0;
    // A zero still gets a hairline so the row is visibly "measured, zero" rather than missing.
    const w = max > 0 ? Math.max(1, (value / max) * barMax) : 1;
    const colour = svgPalette[i % svgPalette.length]!;
    body.push(
      text(x0 - 8, y + rowHeight / 2, clip(b.label, labelWidth - 10), { anchor: 'end', baseline: 'middle' }),
      rect(x0, y + 4, w, rowHeight - 8, colour, `${b.label}: ${valueText[i]!}`),
      text(x0 + w + 6, y + rowHeight / 2, clip(valueText[i]!, width - x0 - w - 6 - pad), { baseline: 'middle', fill: dim }),
    );
  });
  const height = titleHeight + 8 + f.bars.length * rowHeight + pad;
  body.unshift(line(x0, titleHeight + 4, x0, height - pad + 4, ink));
  return frame(width, height, f.title, body);
}

interface Plot {
  left: number;
  top: number;
  width: number;
  height: number;
}

function yAxis(plot: Plot, ticks: readonly number[], lo: number, hi: number, unit?: string): string[] {
  const out: string[] = [];
  for (const t of ticks) {
    const y = plot.top + plot.height - ((t - lo) / (hi - lo)) * plot.height;
    out.push(
      line(plot.left, y, plot.left + plot.width, y),
      text(plot.left - 6, y, tickLabel(t, unit), { anchor: 'end', baseline: 'middle', fill: dim, size: 11 }),
    );
  }
  return out;
}

function lineSvg(f: LineFigure, width: number): string {
  const points = f.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (points.length === 0) return noData(width, f.title);
  const names = f.series.length > 1 ? f.series.map((s) => s.name) : [];
  const leg = legend(pad + 56, titleHeight + 8, names, width - 56 - 2 * pad);
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  const [xMin, xMax] = extent(xs);
  const [yMin, yMax] = extent(ys);
  const xTicks = niceTicks(xMin, xMax, 6);
  const yTicks = niceTicks(Math.min(0, yMin), yMax, 5);
  const [xLo, xHi] = [xTicks[0]!, xTicks[xTicks.length - 1]!];
  const [yLo, yHi] = [yTicks[0]!, yTicks[yTicks.length - 1]!];
  const tail = textWidth(tickLabel(xHi), 11) / 2 + 4;
  const plot: Plot = { left: pad + 56, top: titleHeight + 8 + leg.height + 6, width: width - pad * 2 - 56 - tail, height: 220 };
  const px = (x: number) => plot.left + ((x - xLo) / (xHi - xLo)) * plot.width;
  const py = (y: number) => plot.top + plot.height - ((y - yLo) / (yHi - yLo)) * plot.height;
  const body = [...leg.svg, ...yAxis(plot, yTicks, yLo, yHi)];
  for (const t of xTicks) {
    body.push(
      line(px(t), plot.top + plot.height, px(t), plot.top + plot.height + 4, ink),
      text(px(t), plot.top + plot.height + 17, tickLabel(t), { anchor: 'middle', fill: dim, size: 11 }),
    );
  }
  body.push(
    line(plot.left, plot.top + plot.height, plot.left + plot.width, plot.top + plot.height, ink),
    line(plot.left, plot.top, plot.left, plot.top + plot.height, ink),
  );
  f.series.forEach((s, i) => {
    const colour = svgPalette[i % svgPalette.length]!;
    const valid = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (valid.length === 0) return;
    body.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2" stroke-linejoin="round" points="${valid.map(([x, y]) => `${n(px(x))},${n(py(y))}`).join(' ')}"><title>${escapeXml(s.name)}</title></polyline>`,
    );
    if (valid.length <= 60) {
      for (const [x, y] of valid) body.push(`<circle cx="${n(px(x))}" cy="${n(py(y))}" r="2.5" fill="${colour}"/>`);
    }
  });
  body.push(
    text(plot.left + plot.width / 2, plot.top + plot.height + 34, f.xLabel, { anchor: 'middle', fill: dim }),
    text(pad + 4, plot.top + plot.height / 2, f.yLabel, {
      anchor: 'middle',
      fill: dim,
      transform: `rotate(-90 ${n(pad + 4)} ${n(plot.top + plot.height / 2)})`,
      baseline: 'middle',
    }),
  );
  return frame(width, plot.top + plot.height + 44, f.title, body);
}

function waterfallSvg(f: WaterfallFigure, width: number): string {
  const spans = f.rows.flatMap((r) => r.spans).filter((s) => Number.isFinite(s.start) && Number.isFinite(s.end));
  if (spans.length === 0) return noData(width, f.title);
  const phases = [...new Set(spans.map((s) => s.phase))];
  const colourOf = (phase: string) => svgPalette[phases.indexOf(phase) % svgPalette.length]!;
  const leg = legend(pad, titleHeight + 8, phases, width - 2 * pad);
  const labelWidth = Math.min(width * 0.3, Math.max(...f.rows.map((r) => textWidth(r.label))) + 10);
  const [start] = extent(spans.map((s) => s.start));
  const [, end] = extent(spans.map((s) => s.end));
  const ticks = niceTicks(0, end - start, 6);
  const span = ticks[ticks.length - 1]! || 1;
  const rowHeight = 22;
  // Room on the right for half of the last tick label, which is centred on the axis end.
  const tail = textWidth(tickLabel(ticks[ticks.length - 1]!, f.unit), 11) / 2 + 4;
  const plot: Plot = {
    left: pad + labelWidth,
    top: titleHeight + 8 + leg.height + 4,
    width: width - pad * 2 - labelWidth - tail,
    height: f.rows.length * rowHeight,
  };
  const px = (t: number) => plot.left + ((t - start) / span) * plot.width;
  const body = [...leg.svg];
  for (const t of ticks) {
    const x = plot.left + (t / span) * plot.width;
    body.push(
      line(x, plot.top, x, plot.top + plot.height),
      text(x, plot.top + plot.height + 16, tickLabel(t, f.unit), { anchor: 'middle', fill: dim, size: 11 }),
    );
  }
  f.rows.forEach((r, i) => {
    const y = plot.top + i * rowHeight;
    body.push(text(plot.left - 8, y + rowHeight / 2, clip(r.label, labelWidth - 10), { anchor: 'end', baseline: 'middle' }));
    for (const s of r.spans) {
      if (!Number.isFinite(s.start) || !Number.isFinite(s.end)) continue;
      // Instants (a FIN) and sub-pixel phases (a 50 µs loopback connect beside a
      // 40 ms stall) still get a visible sliver.
      const w = Math.max(3, px(s.end) - px(s.start));
      body.push(
        rect(
          px(s.start),
          y + 4,
          w,
          rowHeight - 8,
          colourOf(s.phase),
          `${r.label} · ${s.phase}: ${formatValue(s.end - s.start, f.unit)} (from ${formatValue(s.start - start, f.unit)})`,
        ),
      );
    }
  });
  body.push(line(plot.left, plot.top + plot.height, plot.left + plot.width, plot.top + plot.height, ink));
  return frame(width, plot.top + plot.height + 26, f.title, body);
}

function histogramSvg(f: HistogramFigure, width: number): string {
  const edges = [...new Set(f.series.flatMap((s) => s.buckets.map((b) => b.upTo)).filter(Number.isFinite))].sort((a, b) => a - b);
  if (edges.length === 0) return noData(width, f.title);
  const counts = f.series.map((s) => {
    const byEdge = new Map<number, number>();
    for (const b of s.buckets) byEdge.set(b.upTo, (byEdge.get(b.upTo) ?? 0) + (Number.isFinite(b.count) ? Math.max(0, b.count) : 0));
    return edges.map((e) => byEdge.get(e) ?? 0);
  });
  const leg = legend(pad + 48, titleHeight + 8, f.series.length > 1 ? f.series.map((s) => s.name) : [], width - 48 - 2 * pad);
  const yTicks = niceTicks(0, Math.max(1, extent(counts.flat())[1]), 4);
  const yHi = yTicks[yTicks.length - 1]!;
  const plot: Plot = { left: pad + 48, top: titleHeight + 8 + leg.height + 6, width: width - pad * 2 - 48, height: 180 };
  const slot = plot.width / edges.length;
  const barWidth = Math.max(1, (slot * 0.8) / Math.max(1, f.series.length));
  const labels = edges.map((e) => `≤ ${formatValue(e, f.unit)}`);
  const every = Math.max(1, Math.ceil((Math.max(...labels.map((l) => textWidth(l, 11))) + 8) / slot));
  const body = [...leg.svg, ...yAxis(plot, yTicks, 0, yHi)];
  counts.forEach((series, si) => {
    series.forEach((count, ei) => {
      if (count <= 0) return;
      const h = (count / yHi) * plot.height;
      const x = plot.left + ei * slot + slot * 0.1 + si * barWidth;
      body.push(
        rect(
          x,
          plot.top + plot.height - h,
          barWidth,
          h,
          svgPalette[si % svgPalette.length]!,
          `${f.series[si]!.name} ${labels[ei]!}: ${count}`,
        ),
      );
    });
  });
  labels.forEach((label, i) => {
    if (i % every === 0)
      body.push(text(plot.left + (i + 0.5) * slot, plot.top + plot.height + 16, label, { anchor: 'middle', fill: dim, size: 11 }));
  });
  body.push(
    line(plot.left, plot.top + plot.height, plot.left + plot.width, plot.top + plot.height, ink),
    text(pad, plot.top - 6, 'count', { fill: dim, size: 11 }),
  );
  return frame(width, plot.top + plot.height + 26, f.title, body);
}

function tableSvg(f: TableFigure, width: number): string {
  if (f.columns.length === 0) return noData(width, f.title);
  const shown = f.rows.slice(0, maxTableRows);
  const charWidth = 7.2; // 12 px monospace
  const cells = shown.map((r) => f.columns.map((_, i) => (r[i] === undefined ? '' : String(r[i]))));
  const widths = f.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => graphemes(r[i]!).length)) * charWidth + 16);
  const numeric = f.columns.map((_, i) => shown.length > 0 && shown.every((r) => typeof r[i] === 'number'));
  const total = widths.reduce((a, b) => a + b, 0);
  const rowHeight = 20;
  const top = titleHeight + 6;
  const extra = f.rows.length > shown.length ? 1 : 0;
  const height = top + (shown.length + 1 + extra) * rowHeight + pad;
  const body: string[] = [rect(pad, top, total, rowHeight, '#eef1f4')];
  const row = (values: readonly string[], y: number, bold: boolean) => {
    let x = pad;
    values.forEach((v, i) => {
      const w = widths[i]!;
      const right = numeric[i] && !bold;
      body.push(
        text(right ? x + w - 8 : x + 8, y + rowHeight / 2, v, {
          anchor: right ? 'end' : 'start',
          baseline: 'middle',
          family: mono,
          ...(bold ? { weight: 'bold' } : {}),
        }),
      );
      x += w;
    });
  };
  row(f.columns, top, true);
  cells.forEach((r, i) => {
    const y = top + (i + 1) * rowHeight;
    if (i % 2 === 1) body.push(rect(pad, y, total, rowHeight, '#f6f8fa'));
    row(r, y, false);
  });
  body.push(line(pad, top + rowHeight, pad + total, top + rowHeight, ink));
  if (extra)
    body.push(
      text(pad + 8, top + (shown.length + 1) * rowHeight + rowHeight / 2, `… ${f.rows.length - shown.length} more rows`, {
        baseline: 'middle',
        fill: dim,
      }),
    );
  return frame(Math.max(width, total + 2 * pad), height, f.title, body);
}

function ladderSvg(f: LadderFigure, width: number): string {
  if (f.arrows.length === 0) return noData(width, f.title);
  const rowHeight = 30;
  const slant = 12;
  const gapColumn = 72;
  const left = pad + gapColumn + 10;
  const right = Math.max(left + 160, Math.round(width * 0.55));
  const noteX = right + 12;
  const top = titleHeight + 30;
  const height = top + f.arrows.length * rowHeight + pad + 6;
  const body: string[] = [
    text(left, top - 10, clip(f.sides[0], gapColumn + 40), { anchor: 'middle', weight: 'bold' }),
    text(right, top - 10, clip(f.sides[1], width - right - pad), { anchor: 'middle', weight: 'bold' }),
    `<line x1="${n(left)}" y1="${n(top - 4)}" x2="${n(left)}" y2="${n(height - pad)}" stroke="${ink}" stroke-width="2"/>`,
    `<line x1="${n(right)}" y1="${n(top - 4)}" x2="${n(right)}" y2="${n(height - pad)}" stroke="${ink}" stroke-width="2"/>`,
  ];
  f.arrows.forEach((a, i) => {
    const y = top + i * rowHeight + 6;
    const [x1, x2] = a.from === 0 ? [left, right] : [right, left];
    const colour = a.highlight ? svgPalette[3]! : a.from === 0 ? svgPalette[0]! : svgPalette[2]!;
    const dir = x2 > x1 ? -1 : 1;
    const tip = `${n(x2)},${n(y + slant)} ${n(x2 + dir * 9)},${n(y + slant - 5)} ${n(x2 + dir * 8)},${n(y + slant + 4)}`;
    const previous = f.arrows[i - 1];
    const gap = previous ? ladderGap(a.atMs - previous.atMs) : '0 ms';
    const tooltip = `${f.sides[a.from]} → ${f.sides[1 - a.from]!}: ${a.label}${a.note ? ` — ${a.note}` : ''}`;
    body.push(
      `<g><title>${escapeXml(tooltip)}</title>`,
      `<line x1="${n(x1)}" y1="${n(y)}" x2="${n(x2)}" y2="${n(y + slant)}" stroke="${colour}" stroke-width="${a.highlight ? 2.5 : 1.5}"/>`,
      `<path d="M ${tip} Z" fill="${colour}"/>`,
      text((left + right) / 2, y + slant / 2 - 5, clip(a.label, right - left - 20), {
        anchor: 'middle',
        family: mono,
        size: 11,
        ...(a.highlight ? { weight: 'bold' as const } : {}),
        fill: colour,
      }),
      '</g>',
    );
    if (gap) body.push(text(pad + gapColumn, y + slant / 2 + 4, gap, { anchor: 'end', fill: dim, size: 11 }));
    if (a.note !== undefined)
      body.push(
        text(noteX, y + slant / 2 + 4, clip(a.note, width - noteX - pad, 11), {
          size: 11,
          fill: a.highlight ? ink : dim,
          ...(a.highlight ? { weight: 'bold' as const } : {}),
        }),
      );
  });
  return frame(width, height, f.title, body);
}

/**
 * Draw a lab figure as a standalone SVG element (title included), ready to be
 * inlined in an HTML page. All text is escaped; empty data draws "no data".
 *
 * @example
 * const svg = renderFigureSvg({ kind: 'bars', title: 'Nagle', unit: 'ms', bars: [{ label: 'on', value: 44 }, { label: 'off', value: 0.1 }] });
 * svg.startsWith('<svg'); // true
 */
export function renderFigureSvg(figure: Figure, options: SvgOptions = {}): string {
  const width = Math.max(320, options.width ?? 720);
  switch (figure.kind) {
    case 'bars':
      return barsSvg(figure, width);
    case 'line':
      return lineSvg(figure, width);
    case 'waterfall':
      return waterfallSvg(figure, width);
    case 'histogram':
      return histogramSvg(figure, width);
    case 'table':
      return tableSvg(figure, width);
    case 'ladder':
      return ladderSvg(figure, width);
  }
}
