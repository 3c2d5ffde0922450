// `npm start`: the lab tour. Runs every lesson in order with a progress
// display, prints what each measured, ends with the summary table and writes
// report/index.html. Exits 1 when a lesson that ran did not show its effect.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseFlags, runMain, table } from '@connlab/lab';
import pc from 'picocolors';
import { ProgressDisplay } from './progress.js';
import { foldRepeated, lessonEntries, loadLesson, plannedTitle, repoRoot, selectLessons } from './registry.js';
import { renderReport } from './report.js';
import { oneLine, runTour, tourFailed } from './run.js';
import type { TourRun } from './run.js';
import { formatDuration, statusCounts } from './summary.js';
import { lessonText, summaryText } from './terminal.js';

const spec = {
  list: { type: 'boolean', help: 'list the lessons and exit' },
  lesson: { type: 'string', help: 'run only these: a number, id or name (repeat it, or a comma list)' },
  quick: { type: 'boolean', help: 'smaller counts and shorter waits (what CI runs)' },
  json: { type: 'boolean', help: 'print the results as JSON on stdout (progress stays on stderr)' },
  report: { type: 'string', default: 'report/index.html', help: 'where to write the HTML report' },
  noReport: { type: 'boolean', help: 'do not write the HTML report' },
  timeout: { type: 'int', min: 1, help: 'seconds one lesson may run before it counts as failed (default 180 with --quick, else 600)' },
  capture: {
    type: 'string',
    help: "write each packet-capturing lesson's packets to DIR/NN-slug.pcap (open them with tcpdump -r, Wireshark or connlab trace)",
  },
} as const;

const info = {
  usage: 'npm start --',
  summary: 'The lab tour: run every lesson in order, print what this machine measured beside the notes, write an HTML report.',
  examples: [
    'npm start',
    'npm start -- --quick',
    'npm start -- --lesson 5 --lesson time-wait',
    'npm start -- --lesson 2,3,4 --no-report',
    'npm start -- --list',
    'npm start -- --quick --json > results.json',
    'npm start -- --capture captures',
  ],
};

async function list(entries: ReturnType<typeof lessonEntries>): Promise<void> {
  const rows: string[][] = [];
  for (const e of entries) {
    try {
      const lesson = await loadLesson(e);
      rows.push([
        String(e.number),
        e.dir,
        lesson.title,
        lesson.needsRoot === 'no' ? '' : lesson.needsRoot === 'all' ? 'namespaces (root or user ns)' : 'namespaces for part',
        'ready',
      ]);
    } catch (error) {
      rows.push([String(e.number), e.dir, plannedTitle(e), '', pc.red(oneLine(error))]);
    }
  }
  console.log(table(['#', 'id', 'title', 'needs', 'status'], rows).join('\n'));
  console.log(pc.dim('\nrun one with: npm start -- --lesson <number|id|name>, or npx tsx apps/<id>/src/main.ts'));
}

function writeReport(run: TourRun, path: string): string {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  const docHref = (id: string) => {
    const doc = join(repoRoot, 'docs', `${id}.md`);
    return existsSync(doc) ? relative(dirname(file), doc).split(sep).join('/') : undefined;
  };
  writeFileSync(file, renderReport(run, { docHref }));
  return file;
}

runMain('tour', async () => {
  const flags = parseFlags(foldRepeated(process.argv.slice(2), 'lesson'), spec, info);
  const all = lessonEntries();
  const entries = selectLessons(all, flags.lesson ? [flags.lesson] : []);
  if (flags.list) {
    await list(entries);
    return;
  }

  const progress = new ProgressDisplay(process.stderr);
  if (flags.capture !== undefined) mkdirSync(flags.capture, { recursive: true });
  const run = await runTour(entries, {
    quick: flags.quick,
    ...(flags.capture === undefined ? {} : { captureDir: resolve(flags.capture) }),
    timeoutMs: (flags.timeout ?? (flags.quick ? 180 : 600)) * 1000,
    trapStrayErrors: true,
    onStrayError: (error) => {
      progress.clear();
      process.stderr.write(pc.yellow(`tour: an error arrived between lessons and was ignored: ${oneLine(error)}\n`));
    },
    hooks: {
      ...progress.hooks,
      onEnd: (l, index, total) => {
        progress.hooks.onEnd?.(l, index, total);
        if (flags.json) return;
        const text = lessonText(l);
        if (text.length) console.log(`\n${text.join('\n')}\n`);
      },
    },
  });
  progress.stop();

  const failed = tourFailed(run);
  const reportPath = flags.noReport ? undefined : writeReport(run, flags.report);
  if (flags.json) {
    // passed: no lesson failed a check that ran and none crashed (the exit code says the same).
    console.log(JSON.stringify({ ...run, counts: statusCounts(run), passed: !failed, report: reportPath ?? null }, null, 2));
  } else {
    console.log(`\n${summaryText(run, process.stdout.isTTY ? process.stdout.columns : 120).join('\n')}`);
    console.log(
      pc.dim(
        `\n${run.lessons.length} lesson${run.lessons.length === 1 ? '' : 's'} in ${formatDuration(run.durationMs)}${run.quick ? ' (quick)' : ''}`,
      ),
    );
    if (reportPath)
      console.log(`report: ${relative(process.cwd(), reportPath).startsWith('..') ? reportPath : relative(process.cwd(), reportPath)}`);
  }
  if (failed) process.exitCode = 1;

  // A lesson that timed out (or leaked a socket) may keep the event loop alive.
  // This timer does not hold the process open itself; it only fires if something else does.
  setTimeout(() => {
    process.stderr.write(
      pc.yellow(`tour: something a lesson started is still running (${process.getActiveResourcesInfo().join(', ')}); exiting\n`),
    );
    process.exit();
  }, 3000).unref();
});
