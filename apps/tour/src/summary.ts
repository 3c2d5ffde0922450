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
  'partly-skipped': 'partly skipped',
  emulated: 'emulated',
  'not-reproduced': 'NOT reproduced',
  skipped: 'skipped',
  failed: 'failed',
};

/** Every status, in the order the counts line and the legends list them. */
export const STATUSES: readonly LessonStatus[] = ['reproduced', 'partly-skipped', 'emulated', 'not-reproduced', 'skipped', 'failed'];

/** Why there is no number to show: the skip reason or the error. */
function reason(l: TourLesson): string {
  if (l.status === 'failed') return `threw: ${l.error ?? 'unknown error'}`;
  return l.result?.skipped ?? (l.result?.measurements.length === 0 ? 'no measurements reported' : '');
}

/**
 * One row per measurement that has the notes' figure beside it (or the first
 * measurement when none has), or one row carrying the reason there is none;
 * then one row per failed check, so a NOT reproduced lesson says why.
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
    const failed = (l.result?.checks ?? [])
      .filter((c) => !c.passed)
      .map((c) => ({ measured: `✘ ${c.label}`, value: c.measured, textbook: '' }));
    const rows = [
      ...(shown.length === 0
        ? [{ measured: reason(l), value: '', textbook: '' }]
        : shown.map((m) => ({
            measured: m.label,
            value: formatValue(m.value, m.unit),
            textbook: m.textbook ?? '',
          }))),
      ...failed,
    ];
    return rows.map((r, i) => ({ ...r, lesson: i === 0 ? l.id : '', status: l.status, verdict: i === 0 ? verdict : '' }));
  });
}

/** Counts per status, for the one-line verdict under the table. */
export function statusCounts(run: TourRun): Record<LessonStatus, number> {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<LessonStatus, number>;
  for (const l of run.lessons) counts[l.status] += 1;
  return counts;
}

/** "12 reproduced, 2 partly skipped, 1 NOT reproduced" (zero counts left out). */
export function countsLine(run: TourRun): string {
  const counts = statusCounts(run);
  return STATUSES.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${statusText[s]}`)
    .join(', ');
}

/** How long something took, for people: 265 ms, 6.2 s, 2 min 5 s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return formatMs(ms);
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
