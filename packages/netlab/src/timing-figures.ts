// Timings as lab figures (terminal and report) and as a standalone SVG.
import type { BarsFigure, TableFigure, WaterfallFigure } from '@connlab/lab';
import { PHASE_LABELS, TIMING_MARKS, TIMING_PHASES } from './timing.js';
import type { TimingResult } from './timing.js';

/**
 * One row per transaction, one span per non-empty phase. With `shared` (the
 * default) rows sit on one time axis, so serial requests show as a staircase;
 * with `own` each row starts at zero, for comparing shapes.
 *
 * @example
 * figures.push(timingWaterfall([cold, warm], 'new vs reused connection'));
 */
export function timingWaterfall(results: readonly TimingResult[], title: string, axis: 'shared' | 'own' = 'shared'): WaterfallFigure {
  const origin = Math.min(...results.map((r) => r.startedAt));
  return {
    kind: 'waterfall',
    title,
    unit: 'ms',
    rows: results.map((r) => {
      const offset = axis === 'shared' ? r.startedAt - origin : 0;
      return {
        label: r.label,
        spans: TIMING_PHASES.flatMap((phase, i) => {
          const start = r.marks[TIMING_MARKS[i]!] + offset;
          const end = r.marks[TIMING_MARKS[i + 1]!] + offset;
          return end > start ? [{ start, end, phase: PHASE_LABELS[phase] }] : [];
        }),
      };
    }),
  };
}

/** The phases of one transaction as bars (httpstat's view), the total last. */
export function timingBars(result: TimingResult, title = `${result.label}: where the time went`): BarsFigure {
  return {
    kind: 'bars',
    title,
    unit: 'ms',
    bars: [
      ...TIMING_PHASES.map((phase) => ({ label: PHASE_LABELS[phase], value: result.phases[phase] })),
      { label: 'total', value: result.total, note: result.reused ? 'reused connection' : 'new connection' },
    ],
  };
}

function ms(value: number): string {
  return value >= 10 ? value.toFixed(1) : value.toFixed(3);
}

/** A table of phase times, one row per transaction (values in ms, as text with fixed precision). */
export function timingTable(results: readonly TimingResult[], title = 'phase times (ms)'): TableFigure {
  return {
    kind: 'table',
    title,
    columns: ['transaction', ...TIMING_PHASES, 'total', 'connection'],
    rows: results.map((r) => [r.label, ...TIMING_PHASES.map((p) => ms(r.phases[p])), ms(r.total), r.reused ? 'reused' : 'new']),
  };
}

const palette: Record<string, string> = {
  dns: '#8e6cd1',
  connect: '#e8743b',
  send: '#19a979',
  wait: '#5899da',
  receive: '#ed4a7b',
};

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

/**
 * A self-contained SVG of one or more timings: a row of coloured phase
 * segments per transaction on a shared ms axis, with a legend.
 *
 * @example
 * writeFileSync('timing.svg', timingSvg([result]));
 */
export function timingSvg(results: readonly TimingResult[], width = 640): string {
  const labelWidth = 150;
  const rowHeight = 26;
  const top = 12;
  const plot = width - labelWidth - 70;
  const origin = Math.min(...results.map((r) => r.startedAt));
  const end = Math.max(...results.map((r) => r.startedAt - origin + r.total), 1e-6);
  const x = (t: number): number => labelWidth + (t / end) * plot;
  const height = top + results.length * rowHeight + 50;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  ];
  results.forEach((r, row) => {
    const y = top + row * rowHeight;
    const offset = r.startedAt - origin;
    parts.push(`<text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end">${escapeXml(r.label)}</text>`);
    TIMING_PHASES.forEach((phase, i) => {
      const a = r.marks[TIMING_MARKS[i]!] + offset;
      const b = r.marks[TIMING_MARKS[i + 1]!] + offset;
      if (b <= a) return;
      const w = Math.max(0.5, x(b) - x(a));
      parts.push(
        `<rect x="${x(a).toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="${palette[phase]}"><title>${PHASE_LABELS[phase]}: ${ms(b - a)} ms</title></rect>`,
      );
    });
    parts.push(`<text x="${(x(offset + r.total) + 4).toFixed(1)}" y="${y + 15}">${ms(r.total)} ms</text>`);
  });
  const axisY = top + results.length * rowHeight + 4;
  parts.push(`<line x1="${labelWidth}" y1="${axisY}" x2="${labelWidth + plot}" y2="${axisY}" stroke="#888"/>`);
  parts.push(
    `<text x="${labelWidth}" y="${axisY + 14}">0</text><text x="${labelWidth + plot}" y="${axisY + 14}" text-anchor="end">${ms(end)} ms</text>`,
  );
  let lx = labelWidth;
  for (const phase of TIMING_PHASES) {
    parts.push(
      `<rect x="${lx}" y="${axisY + 24}" width="10" height="10" fill="${palette[phase]}"/><text x="${lx + 14}" y="${axisY + 33}">${PHASE_LABELS[phase].split(' (')[0]!}</text>`,
    );
    lx += 96;
  }
  parts.push('</svg>');
  return parts.join('\n');
}
