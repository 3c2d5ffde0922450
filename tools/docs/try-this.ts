// Run every "Try this" lesson command on the lesson pages with --quick, and
// fail when one does not run (a crash, exit 2, no verdict, or past its time).
//
//   npx tsx tools/docs/try-this.ts                 every lesson page
//   npx tsx tools/docs/try-this.ts --lesson 5      only these lessons
//
// It takes minutes (each command is a real run), so npm test runs only the
// static part (src/try-this.ts's checkTryThis); this is `npm run try-this -w @connlab/docs-tools`.
import { parseFlags, runMain } from '@connlab/lab';
import { foldRepeated, lessonEntries, repoRoot, selectLessons } from '@connlab/tour/registry';
import { allLessonCommands, checkTryThis, runLessonCommand } from './src/try-this.js';

runMain('try-this', async () => {
  const flags = parseFlags(
    foldRepeated(process.argv.slice(2), 'lesson'),
    {
      lesson: { type: 'string', help: 'only these lessons: a number, id or name (repeat it, or a comma list)' },
      timeout: { type: 'int', min: 5, max: 900, default: 180, help: 'seconds one command may take' },
    },
    { usage: 'npx tsx tools/docs/try-this.ts', summary: 'Run every "Try this" lesson command on the lesson pages with --quick.' },
  );
  const apps = new Set(selectLessons(lessonEntries(), flags.lesson ? [flags.lesson] : []).map((e) => e.dir));
  const problems = (await checkTryThis(repoRoot)).filter((p) => [...apps].some((a) => p.startsWith(`docs/${a}.md`)));
  const commands = allLessonCommands(repoRoot, (app) => apps.has(app));
  const t0 = performance.now();
  for (const [i, c] of commands.entries()) {
    const run = await runLessonCommand(repoRoot, c, flags.timeout * 1000);
    const status = run.problem ? `FAILED: ${run.problem}` : `${run.verdict ?? ''} (exit ${run.exitCode ?? '?'})`;
    console.log(
      `[${i + 1}/${commands.length}] ${c.file}:${c.line} ${c.text}${c.args.includes('--quick') ? '' : ' --quick'} → ${status}, ${(run.ms / 1000).toFixed(1)} s`,
    );
    if (run.problem) problems.push(`${c.file}:${c.line}: \`${c.text}\` ${run.problem}`);
  }
  console.log(
    `\n${commands.length} commands in ${((performance.now() - t0) / 1000).toFixed(0)} s; ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
  );
  for (const p of problems) console.log(`  ${p}`);
  if (problems.length) process.exitCode = 1;
});
