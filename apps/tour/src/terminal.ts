// What the tour prints on stdout: each lesson's printout and the closing summary.
import { formatLessonResult, table } from '@connlab/lab';
import type { Lesson } from '@connlab/lab';
import pc from 'picocolors';
import { colourStatus } from './progress.js';
import type { TourLesson, TourRun } from './run.js';
import { countsLine, summaryRows } from './summary.js';

function clip(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/**
 * The summary table for the terminal. The two text columns are clipped so the
 * table fits `columns` (the report and --json keep them whole).
 */
export function summaryText(run: TourRun, columns = 120): string[] {
  const all = summaryRows(run);
  const width = (pick: (r: (typeof all)[number]) => string, header: string) => Math.max(header.length, ...all.map((r) => pick(r).length));
  const fixed = width((r) => r.lesson, 'lesson') + width((r) => r.value, 'this machine') + width((r) => r.verdict, 'effect') + 4 * 2;
  const room = Math.max(40, columns - 1 - fixed);
  const measuredWidth = Math.max(20, Math.round(room * 0.55));
  const notesWidth = Math.max(20, room - measuredWidth);
  const rows = all.map((r) => [
    r.lesson,
    clip(r.measured, measuredWidth),
    r.value,
    clip(r.textbook, notesWidth),
    r.verdict ? colourStatus(r.status, r.verdict) : '',
  ]);
  return [
    pc.bold('Summary: this machine beside the notes'),
    '',
    ...table(['lesson', 'measured', 'this machine', 'the notes', 'effect'], rows),
    '',
    countsLine(run),
  ];
}

/** A lesson's full printout, as its own app prints it; a failed lesson gets its error line. */
export function lessonText(l: TourLesson): string[] {
  // formatLessonResult reads only the number, slug, title and effect of the lesson.
  const lesson = { number: l.number, slug: l.id.replace(/^\d+-/, ''), title: l.title, effect: l.effect ?? '' } as Lesson;
  if (l.result) return formatLessonResult(lesson, l.result);
  if (l.status === 'failed') return [pc.bold(`Lesson ${l.id}: ${l.title}`), pc.red(`the lesson threw: ${l.error ?? ''}`)];
  return [];
}
