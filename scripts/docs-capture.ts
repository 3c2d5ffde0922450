// Regenerate the "What you will see" output in lesson docs from real runs.
//
//   npx tsx scripts/docs-capture.ts                      every lesson
//   npx tsx scripts/docs-capture.ts --lesson 13 --lesson nagle
//   npx tsx scripts/docs-capture.ts --lesson 5 --insert  first time: add the markers
//
// Each doc marks its output with <!-- captured:begin --> ... <!-- captured:end -->;
// a begin marker may name the command, e.g.
// <!-- captured:begin npx tsx apps/01-echo/src/main.ts --quick -->
// (the default is `npx tsx apps/<id>/src/main.ts --quick`). The logic lives in
// apps/tour/src/capture.ts, where it is tested.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlags, runMain } from '@connlab/lab';
import { defaultCommand, fillBlocks, findCaptureBlocks, insertMarkers, provenance, runCommand } from '../apps/tour/src/capture.js';
import type { CaptureRun } from '../apps/tour/src/capture.js';
import { foldRepeated, lessonEntries, repoRoot, selectLessons } from '../apps/tour/src/registry.js';

const spec = {
  lesson: { type: 'string', help: 'only these lessons: a number, id or name (repeat it, or a comma list)' },
  insert: { type: 'boolean', help: 'wrap the first code block under "What you will see" in markers where a doc has none' },
  force: { type: 'boolean', help: 'write the output even when the run did not reproduce the effect (exit code 1)' },
  dryRun: { type: 'boolean', help: 'print what would be written, change nothing' },
} as const;

runMain('docs-capture', async () => {
  const flags = parseFlags(foldRepeated(process.argv.slice(2), 'lesson'), spec, {
    usage: 'npx tsx scripts/docs-capture.ts',
    summary: 'Run lessons and put their real output (ANSI stripped) between the captured markers of docs/NN-slug.md.',
    examples: ['npx tsx scripts/docs-capture.ts --lesson 13', 'npx tsx scripts/docs-capture.ts --lesson 5 --insert', 'npx tsx scripts/docs-capture.ts --dry-run'],
  });
  const entries = selectLessons(lessonEntries(), flags.lesson ? [flags.lesson] : []);
  const problems: string[] = [];
  for (const entry of entries) {
    const file = `docs/${entry.dir}.md`;
    const path = join(repoRoot, file);
    if (!existsSync(path)) {
      problems.push(`${file} does not exist`);
      continue;
    }
    let source = readFileSync(path, 'utf8');
    let blocks = findCaptureBlocks(source, file);
    if (blocks.length === 0) {
      if (!flags.insert) {
        problems.push(`${file}: no <!-- captured:begin --> markers; add them, or run with --insert to wrap the first code block under "What you will see"`);
        continue;
      }
      source = insertMarkers(source, file);
      blocks = findCaptureBlocks(source, file);
      console.error(`${file}: added captured markers`);
    }
    const runs: CaptureRun[] = [];
    for (const block of blocks) {
      const command = block.command ?? defaultCommand(entry.dir);
      console.error(`${file}: running ${command}`);
      runs.push(await runCommand(repoRoot, command));
    }
    const bad = runs.find((r) => r.signal !== null || r.exitCode === null || r.exitCode >= 2 || (r.exitCode === 1 && !flags.force));
    if (bad) {
      const how = bad.signal ? `was killed by ${bad.signal}` : bad.exitCode === 1 ? 'exited 1 (effect not reproduced; --force writes it anyway)' : `exited ${String(bad.exitCode)}`;
      problems.push(`${file}: \`${bad.command}\` ${how}; the doc was left as it was. Last lines:\n${bad.output.split('\n').slice(-5).join('\n')}`);
      continue;
    }
    const updated = fillBlocks(source, blocks, runs, provenance(entry.dir));
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
