// Terminal rendering of tables, bars, sparklines, histograms, waterfalls and ladders.
import pc from 'picocolors';
import type { BarsFigure, Figure, HistogramFigure, LadderFigure, LineFigure, TableFigure, WaterfallFigure } from './figures.js';
import type { Check, Lesson, LessonResult, Verdict } from './lesson.js';
import { lessonId, verdictOf } from './lesson.js';

/** Format a duration in ms with sensible precision: 0.042 ms, 4.20 ms, 42.0 ms, 4.2 s. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(3)} ms`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export function formatValue(value: number, unit: string): string {
  if (unit === 'ms') return formatMs(value);
  if (unit === 'B') return formatBytes(value);
  const digits = Number.isInteger(value) ? 0 : Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

// ANSI codes take no columns; pad by the visible width.
// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*m/g;
function visibleLength(text: string): number {
  return text.replace(ansi, '').length;
}
function pad(text: string, width: number, right = false): string {
  const fill = ' '.repeat(Math.max(0, width - visibleLength(text)));
  return right ? fill + text : text + fill;
}

/** A plain table: numbers right-aligned, a rule under the header. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  const cells = rows.map((r) => r.map(String));
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...cells.map((r) => visibleLength(r[i] ?? ''))));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => pad(c, widths[i] ?? 0, numeric[i]))
      .join('  ')
      .trimEnd();
  return [pc.bold(line(header)), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)];
}

/** A bar of `width` columns scaled so that `max` fills it, with eighth-block resolution. */
export function bar(value: number, max: number, width = 40): string {
  if (!(max > 0) || !(value > 0)) return '';
  const eighths = Math.round((Math.min(value, max) / max) * width * 8);
  const partial = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths % 8] ?? '';
  return '█'.repeat(Math.floor(eighths / 8)) + partial;
}

const sparks = '▁▂▃▄▅▆▇█';
/** One character per value, scaled between the series' min and max. */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return values.map((v) => sparks[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * 7)]).join('');
}

function barsText(f: BarsFigure): string[] {
  const max = Math.max(...f.bars.map((b) => b.value));
  const labelWidth = Math.max(...f.bars.map((b) => b.label.length));
  return f.bars.map(
    (b) =>
      `${b.label.padEnd(labelWidth)}  ${pc.cyan(pad(bar(b.value, max), 40))} ${formatValue(b.value, f.unit)}${b.note ? pc.dim(`  ${b.note}`) : ''}`,
  );
}

function lineText(f: LineFigure): string[] {
  return f.series.map((s) => {
    const ys = s.points.map(([, y]) => y);
    return `${s.name}: ${pc.cyan(sparkline(ys))}  ${f.yLabel} ${Math.min(...ys)}→${Math.max(...ys)} over ${s.points.length} samples`;
  });
}

function histogramText(f: HistogramFigure): string[] {
  const out: string[] = [];
  for (const s of f.series) {
    const max = Math.max(...s.buckets.map((b) => b.count));
    out.push(pc.bold(s.name));
    for (const b of s.buckets)
      out.push(`  ≤ ${formatValue(b.upTo, f.unit).padStart(9)}  ${pad(pc.cyan(bar(b.count, max, 30)), 30)} ${b.count}`);
  }
  return out;
}

const phaseGlyph: Record<string, string> = {};
const glyphs = ['█', '▓', '▒', '░', '▞', '▚', '■', '□'];
function glyphFor(phase: string): string {
  return (phaseGlyph[phase] ??= glyphs[Object.keys(phaseGlyph).length % glyphs.length]!);
}

function waterfallText(f: WaterfallFigure, width = 60): string[] {
  const end = Math.max(...f.rows.flatMap((r) => r.spans.map((s) => s.end)));
  const start = Math.min(...f.rows.flatMap((r) => r.spans.map((s) => s.start)));
  const scale = width / Math.max(end - start, 1e-9);
  const labelWidth = Math.max(...f.rows.map((r) => r.label.length));
  const out = f.rows.map((r) => {
    const cells = Array.from({ length: width }, () => ' ');
    for (const s of r.spans) {
      const a = Math.floor((s.start - start) * scale);
      const b = Math.max(a + 1, Math.round((s.end - start) * scale));
      for (let i = a; i < Math.min(b, width); i++) cells[i] = glyphFor(s.phase);
    }
    return `${r.label.padEnd(labelWidth)} │${cells.join('')}│`;
  });
  const legend = [...new Set(f.rows.flatMap((r) => r.spans.map((s) => s.phase)))].map((p) => `${glyphFor(p)} ${p}`).join('  ');
  out.push(`${' '.repeat(labelWidth)}  0${formatValue(end - start, f.unit).padStart(width)}`, pc.dim(legend));
  return out;
}

function tableText(f: TableFigure): string[] {
  return table(f.columns, f.rows);
}

/** "+40.1 ms" before an arrow that waited at least 1 ms after the previous one, else nothing. */
export function ladderGap(ms: number): string {
  if (!Number.isFinite(ms) || ms < 1) return '';
  return `+${formatValue(ms, 'ms')}`;
}

function ladderText(f: LadderFigure, span = 30): string[] {
  const gaps = f.arrows.map((a, i) => (i === 0 ? '0 ms' : ladderGap(a.atMs - f.arrows[i - 1]!.atMs)));
  const gapWidth = Math.max(...gaps.map((g) => g.length));
  const head = `${' '.repeat(gapWidth)}  ${f.sides[0].padEnd(span + 1)}${f.sides[1]}`;
  return [
    head,
    ...f.arrows.map((a, i) => {
      const label = ` ${a.label} `.slice(0, span - 4);
      const dashes = span - label.length - 1;
      const lead = Math.floor(dashes / 2);
      const shaft = `${'─'.repeat(lead)}${label}${'─'.repeat(dashes - lead)}`;
      const arrow = a.from === 0 ? `│${shaft}▶│` : `│◀${shaft}│`;
      const drawn = a.highlight ? pc.yellow(arrow) : arrow;
      return `${gaps[i]!.padStart(gapWidth)}  ${drawn}  ${a.note ? (a.highlight ? pc.bold(a.note) : pc.dim(a.note)) : ''}`.trimEnd();
    }),
  ];
}

/** Draw any figure for the terminal, title first. */
export function renderFigure(f: Figure): string[] {
  const body =
    f.kind === 'bars'
      ? barsText(f)
      : f.kind === 'line'
        ? lineText(f)
        : f.kind === 'histogram'
          ? histogramText(f)
          : f.kind === 'waterfall'
            ? waterfallText(f)
            : f.kind === 'ladder'
              ? ladderText(f)
              : tableText(f);
  return [pc.bold(f.title), ...body];
}

/** The measured-vs-textbook table every lesson ends with. */
export function measurementTable(result: LessonResult): string[] {
  return table(
    ['measured', 'this machine', 'the notes'],
    result.measurements.map((m) => [m.label, formatValue(m.value, m.unit), m.textbook ?? '']),
  );
}

/** The full printout of a lesson run, as apps and the tour show it. */
export function formatLessonResult(lesson: Lesson, result: LessonResult): string[] {
  const out = [pc.bold(`Lesson ${lessonId(lesson)}: ${lesson.title}`), pc.dim(lesson.effect), ''];
  if (result.emulated) out.push(pc.yellow(`emulated: ${result.emulated}`), '');
  out.push(...result.lines);
  for (const f of result.figures) out.push('', ...renderFigure(f));
  if (result.measurements.length) out.push('', ...measurementTable(result));
  if (result.checks.length) out.push('', ...checkLines(result.checks));
  if (result.skipped) out.push('', pc.yellow(result.skipped));
  out.push('', verdictLine(verdictOf(result)));
  return out;
}

/** One line per check: ✔/✘, what was compared, and the measured value(s). */
export function checkLines(checks: readonly Check[]): string[] {
  return checks.map((c) => {
    const mark = c.passed ? pc.green('✔') : pc.red('✘');
    const emulated = c.emulated ? pc.yellow(' (emulated)') : '';
    return `${mark} ${c.label}: ${c.measured}${emulated}`;
  });
}

const verdictWords: Record<Verdict, string> = {
  reproduced: pc.green('effect reproduced'),
  'partly-skipped': pc.yellow('effect reproduced in the parts that ran (partly skipped)'),
  emulated: pc.yellow('effect reproduced on an emulation (not the kernel)'),
  'not-reproduced': pc.red('effect NOT reproduced'),
  skipped: pc.yellow('effect not measured here (skipped)'),
};

/** The closing line of a lesson printout. */
export function verdictLine(verdict: Verdict): string {
  return verdictWords[verdict];
}
