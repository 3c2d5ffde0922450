// Regenerate the captured output in the docs from real runs.
//
//   npx tsx tools/docs/capture.ts                      every lesson page and docs/cli.md
//   npx tsx tools/docs/capture.ts --lesson 13 --lesson nagle
//   npx tsx tools/docs/capture.ts --page docs/cli.md   the CLI sessions
//   npx tsx tools/docs/capture.ts --lesson 5 --insert  first time: add the markers
//
// Every page marks its output one way (src/markers.ts):
// <!-- captured:begin [command | session NAME] --> … <!-- captured:end -->.
// A lesson page's marker without a command runs `npx tsx apps/<id>/src/main.ts --quick`.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlags, runMain } from '@connlab/lab';
import { foldRepeated, lessonEntries, repoRoot, selectLessons } from '@connlab/tour/registry';
import { defaultCommand, fillBlocks, insertMarkers, provenance, runCommand } from './src/capture.js';
import type { CaptureRun } from './src/capture.js';
import { runSession } from './src/cli-sessions.js';
import { CaptureError, findCaptureBlocks } from './src/markers.js';

const spec = {
  lesson: { type: 'string', help: 'only these lessons: a number, id or name (repeat it, or a comma list)' },
  page: { type: 'string', help: 'only these other pages, e.g. docs/cli.md (repeat it, or a comma list)' },
  insert: { type: 'boolean', help: 'wrap the first code block under "What you will see" in markers where a lesson page has none' },
  force: { type: 'boolean', help: 'write the output even when the run did not reproduce the effect (exit code 1)' },
  dryRun: { type: 'boolean', help: 'print what would be written, change nothing' },
} as const;

/** A page to capture: its repository path and, for a lesson page, the lesson id. */
interface Page {
  file: string;
  lesson?: string;
}

runMain('docs-capture', async () => {
  const flags = parseFlags(foldRepeated(foldRepeated(process.argv.slice(2), 'lesson'), 'page'), spec, {
    usage: 'npx tsx tools/docs/capture.ts',
    summary:
      'Run what each captured block names and put its real output (ANSI stripped) between the markers: lesson pages and docs/cli.md.',
    examples: [
      'npx tsx tools/docs/capture.ts --lesson 13',
      'npx tsx tools/docs/capture.ts --page docs/cli.md',
      'npx tsx tools/docs/capture.ts --lesson 5 --insert',
      'npx tsx tools/docs/capture.ts --dry-run',
    ],
  });
  const lessonPages: Page[] =
    flags.page && !flags.lesson
      ? []
      : selectLessons(lessonEntries(), flags.lesson ? [flags.lesson] : []).map((e) => ({ file: `docs/${e.dir}.md`, lesson: e.dir }));
  const otherPages: Page[] =
    flags.lesson && !flags.page
      ? []
      : flags.page
        ? flags.page.split(',').map((file) => ({ file: file.trim() }))
        : readdirSync(join(repoRoot, 'docs'))
            .filter((f) => f.endsWith('.md') && !/^\d/.test(f))
            .map((f) => ({ file: `docs/${f}` }))
            .filter((p) => findCaptureBlocks(readFileSync(join(repoRoot, p.file), 'utf8'), p.file).length > 0);
  const problems: string[] = [];
  for (const { file, lesson } of [...lessonPages, ...otherPages]) {
    const path = join(repoRoot, file);
    if (!existsSync(path)) {
      problems.push(`${file} does not exist`);
      continue;
    }
    let source = readFileSync(path, 'utf8');
    let blocks = findCaptureBlocks(source, file);
    if (blocks.length === 0) {
      if (!flags.insert || !lesson) {
        problems.push(
          `${file}: no <!-- captured:begin --> markers; add them${lesson ? ', or run with --insert to wrap the first code block under "What you will see"' : ''}`,
        );
        continue;
      }
      source = insertMarkers(source, file);
      blocks = findCaptureBlocks(source, file);
      console.error(`${file}: added captured markers`);
    }
    const runs: CaptureRun[] = [];
    for (const [i, block] of blocks.entries()) {
      if (block.session) {
        console.error(`${file}: running session ${block.session}`);
        runs.push(await runSession(block.session));
        continue;
      }
      const command = block.command ?? (lesson ? defaultCommand(lesson) : undefined);
      if (!command)
        throw new CaptureError(
          `${file}:${blocks[i]!.begin + 1}: this page is not a lesson page, so its marker must name a command or a session`,
        );
      console.error(`${file}: running ${command}`);
      runs.push(await runCommand(repoRoot, command));
    }
    const bad = runs.find((r) => r.signal !== null || r.exitCode === null || r.exitCode >= 2 || (r.exitCode === 1 && !flags.force));
    if (bad) {
      const how = bad.signal
        ? `was killed by ${bad.signal}`
        : bad.exitCode === 1
          ? 'exited 1 (effect not reproduced; --force writes it anyway)'
          : `exited ${String(bad.exitCode)}`;
      problems.push(
        `${file}: \`${bad.command}\` ${how}; the doc was left as it was. Last lines:\n${bad.output.split('\n').slice(-5).join('\n')}`,
      );
      continue;
    }
    // Lesson output carries a provenance line; the CLI page says once, at its top, how it was made.
    const updated = fillBlocks(source, blocks, runs, lesson ? provenance(lesson) : '');
    if (flags.dryRun) {
      console.log(`--- ${file}\n${updated}`);
    } else if (updated !== readFileSync(path, 'utf8')) {
      writeFileSync(path, updated);
      console.error(`${file}: updated ${blocks.length} block${blocks.length === 1 ? '' : 's'}`);
    }
  }
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exitCode = 1;
  }
});
