// docs/report.png is a picture of one tour run. Beside it, docs/report.json
// records what that run covered (the lessons and their statuses) and the
// README's caption says so; the docs check fails when the picture no longer
// matches the repository (a lesson added or removed, a status the tour no
// longer has, a caption that disagrees with the record).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lessonEntries } from '@connlab/tour/registry';
import { STATUSES, statusText } from '@connlab/tour/summary';

export interface ScreenshotRecord {
  /** When the picture was taken (ISO date). */
  taken: string;
  /** The lesson apps the report covered, in order, with each one's status. */
  lessons: { id: string; status: string }[];
  /** Lessons per status. */
  counts: Record<string, number>;
}

export const RECORD = 'docs/report.json';
/** The pages that show the picture, each with the caption line under it. */
export const PAGES: readonly { file: string; image: string }[] = [
  { file: 'README.md', image: '![The lab report](docs/report.png)' },
  { file: 'docs/README.md', image: '![The lab report](report.png)' },
];

/** The caption under the picture: when it was taken, and what it shows. */
export function caption(record: ScreenshotRecord): string {
  const counts = STATUSES.filter((s) => (record.counts[s] ?? 0) > 0)
    .map((s) => `${record.counts[s] ?? 0} ${statusText[s]}`)
    .join(', ');
  return `<sub>The report of a \`npm start -- --quick\` run on ${record.taken.slice(0, 10)}: ${record.lessons.length} lessons, ${counts}.</sub>`;
}

/** Count the statuses of a record's lessons. */
export function countStatuses(lessons: ScreenshotRecord['lessons']): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of lessons) counts[l.status] = (counts[l.status] ?? 0) + 1;
  return counts;
}

/** Each page that shows the picture: its file, its lines, and the line of the image. */
function picturePages(root: string): { file: string; path: string; lines: string[]; at: number }[] {
  return PAGES.flatMap((page) => {
    const path = join(root, page.file);
    if (!existsSync(path)) return [];
    const lines = readFileSync(path, 'utf8').split('\n');
    const at = lines.indexOf(page.image);
    return at === -1 ? [] : [{ file: page.file, path, lines, at }];
  });
}

/** Write the record and put its caption under the picture on each page. */
export function writeRecord(root: string, record: ScreenshotRecord): void {
  writeFileSync(join(root, RECORD), `${JSON.stringify(record, null, 2)}\n`);
  for (const { path, lines, at } of picturePages(root)) {
    if (lines[at + 1]?.startsWith('<sub>The report of')) lines[at + 1] = caption(record);
    else lines.splice(at + 1, 0, caption(record));
    writeFileSync(path, lines.join('\n'));
  }
}

/** Problems with the picture, one line each; empty when it matches the repository. */
export function checkScreenshot(root: string): string[] {
  const redo = 'run `npm start -- --quick` and `npx tsx tools/docs/screenshot.ts`';
  if (!existsSync(join(root, 'docs/report.png'))) return [`docs/report.png is missing; ${redo}`];
  if (!existsSync(join(root, RECORD))) return [`${RECORD} is missing: nothing records what docs/report.png shows; ${redo}`];
  const record = JSON.parse(readFileSync(join(root, RECORD), 'utf8')) as ScreenshotRecord;
  const problems: string[] = [];
  const apps = lessonEntries(join(root, 'apps')).map((e) => e.dir);
  const shown = record.lessons.map((l) => l.id);
  if (shown.join() !== apps.join()) {
    const missing = apps.filter((a) => !shown.includes(a));
    const gone = shown.filter((a) => !apps.includes(a));
    problems.push(
      `docs/report.png is stale: it shows ${shown.length} lessons, the repository has ${apps.length}` +
        `${missing.length ? ` (not shown: ${missing.join(', ')})` : ''}${gone.length ? ` (no longer lessons: ${gone.join(', ')})` : ''}; ${redo}`,
    );
  }
  const unknown = record.lessons.filter((l) => !(STATUSES as readonly string[]).includes(l.status));
  if (unknown.length)
    problems.push(
      `docs/report.png shows statuses the tour no longer has: ${[...new Set(unknown.map((l) => l.status))].join(', ')}; ${redo}`,
    );
  if (JSON.stringify(countStatuses(record.lessons)) !== JSON.stringify(record.counts))
    problems.push(`${RECORD}: its counts do not add up to its lessons`);
  for (const { file, lines, at } of picturePages(root)) {
    if (lines[at + 1] !== caption(record))
      problems.push(`${file}:${at + 2}: the caption under the screenshot should be: ${caption(record)}`);
  }
  return problems;
}
