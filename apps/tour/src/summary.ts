// The summary both the terminal and the report end with: per lesson, what was
// measured, this machine's value beside the notes' figure, and the verdict.
import { formatMs, formatValue } from '@connlab/lab';
import type { LessonStatus, TourLesson, TourRun } from './run.js';

export interface SummaryRow {
  /** Set on a lesson's first row only, so the table reads as groups. */
  lesson: string;
  measured: string;
  value: string;
  textbook: string;
  status: LessonStatus;
  /** The verdict in words, on the lesson's first row only. */
  verdict: string;
}

/** The verdict as the tables print it. */
export const statusText: Record<LessonStatus, string> = {
  reproduced: 'reproduced',
  'not-reproduced': 'NOT reproduced',
  skipped: 'skipped',
  failed: 'failed',
};

/** Why there is no number to show: the skip reason or the error. */
function reason(l: TourLesson): string {
  if (l.status === 'failed') return `threw: ${l.error ?? 'unknown error'}`;
  return l.result?.skipped ?? (l.result?.measurements.length === 0 ? 'no measurements reported' : '');
}

/**
 * One row per measurement that has the notes' figure beside it (or the first
 * measurement when none has), or one row carrying the reason there is none.
 *
 * @example
 * summaryRows(run)[0]; // { lesson: '05-nagle', measured: 'stall per request, Nagle on', value: '44.1 ms', textbook: '100–200 ms', ... }
 */
export function summaryRows(run: TourRun): SummaryRow[] {
  return run.lessons.flatMap((l) => {
    const ms = l.result?.measurements ?? [];
    const compared = ms.filter((m) => m.textbook);
    const shown = compared.length ? compared : ms.slice(0, 1);
    const verdict = statusText[l.status];
    if (shown.length === 0) return [{ lesson: l.id, measured: reason(l), value: '', textbook: '', status: l.status, verdict }];
    return shown.map((m, i) => ({
      lesson: i === 0 ? l.id : '',
      measured: m.label,
      value: formatValue(m.value, m.unit),
      textbook: m.textbook ?? '',
      status: l.status,
      verdict: i === 0 ? verdict : '',
    }));
  });
}

/** Counts per status, for the one-line verdict under the table. */
export function statusCounts(run: TourRun): Record<LessonStatus, number> {
  const counts: Record<LessonStatus, number> = { reproduced: 0, 'not-reproduced': 0, skipped: 0, failed: 0 };
  for (const l of run.lessons) counts[l.status] += 1;
  return counts;
}

/** "12 reproduced, 1 NOT reproduced, 2 skipped" (zero counts left out). */
export function countsLine(run: TourRun): string {
  const counts = statusCounts(run);
  return (Object.keys(counts) as LessonStatus[]).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${statusText[s]}`).join(', ');
}

/** How long something took, for people: 265 ms, 6.2 s, 2 min 5 s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return formatMs(ms);
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
