// The Try-this check: the real pages first (npm test), then made-up pages to show what it catches.
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@connlab/tour/registry';
import { checkTryThis, checkTryThisPage, lessonCommands, lessonFlags, runLessonCommand, words } from './try-this.js';

describe('the lesson pages of this repository', () => {
  it('show every "Try this" as a command with flags its lesson knows, and end with 2 or 3 exercises', async () => {
    expect(await checkTryThis(repoRoot)).toEqual([]);
  });

  it("read each lesson's flags from its schema", async () => {
    const flags = await lessonFlags();
    expect(flags.get('05-nagle')).toEqual(expect.arrayContaining(['quick', 'json', 'requests', 'body-bytes']));
  });
});

const page = (
  tryThis: string,
  predict = '1. Q?\n   <details><summary>Answer</summary>A</details>\n2. Q?\n   <details><summary>Answer</summary>B</details>\n',
) => `# 05\n\n## Try this\n\n${tryThis}\n\n## Next\n\nx\n\n## Predict, then measure\n\n${predict}`;
const flagsOf = (app: string) => (app === '05-nagle' ? ['quick', 'json', 'requests', 'body-bytes'] : undefined);

describe('checkTryThisPage catches', () => {
  it('nothing on a page whose items are commands with known flags', () => {
    const p = page('* `npx tsx apps/05-nagle/src/main.ts --body-bytes 70000`: the stall goes.\n* Watch: `ss -tan`.');
    expect(checkTryThisPage('d.md', p, flagsOf)).toEqual([]);
    expect(lessonCommands('d.md', p)).toMatchObject([{ app: '05-nagle', args: ['--body-bytes', '70000'], line: 5 }]);
  });

  it('code to paste, an item with no command, an unknown app or flag, and missing or too many answers', () => {
    const p = page(
      '* `run({ requests: 10 })` from experiment.ts.\n* Think about it.\n* `npx tsx apps/05-nagle/src/main.ts --bogus 1`\n* `npx tsx apps/99-none/src/main.ts`',
      '1. Q? <details>A</details>',
    );
    expect(checkTryThisPage('d.md', p, flagsOf)).toEqual([
      'd.md:5: a "Try this" item with no command to run',
      'd.md:5: "Try this" shows code to paste, not a command: `run({ requests: 10 })`',
      'd.md:6: a "Try this" item with no command to run',
      'd.md:7: `npx tsx apps/05-nagle/src/main.ts --bogus 1`: 05-nagle has no flag --bogus (it takes --quick, --json, --requests, --body-bytes)',
      'd.md:8: `npx tsx apps/99-none/src/main.ts`: no lesson app 99-none',
      'd.md: "Predict, then measure" has 1 answers in <details>; it should have 2 or 3',
    ]);
    expect(checkTryThisPage('d.md', '# x\n\n## Try this\n\n* `ss -tan`\n', flagsOf)).toEqual([
      'd.md: "Try this" runs no lesson app (npx tsx apps/NN-slug/src/main.ts --flag …)',
      'd.md: no "Predict, then measure" section',
    ]);
  });

  it('splits quoted words', () => {
    expect(words(' --message "hi there" --x 1')).toEqual(['--message', 'hi there', '--x', '1']);
  });
});

describe('runLessonCommand', () => {
  it('counts --help as run when it prints the usage', async () => {
    const run = await runLessonCommand(repoRoot, { file: 'd.md', line: 1, app: '05-nagle', args: ['--help'], text: 'x' }, 30_000);
    expect(run).toMatchObject({ exitCode: 0, problem: '', verdict: 'usage: npx tsx apps/05-nagle/src/main.ts [flags]' });
  });

  it("reports a command that exits 2 as not run, with the app's one-line message", async () => {
    const run = await runLessonCommand(repoRoot, { file: 'd.md', line: 1, app: '05-nagle', args: ['--requests', '0'], text: 'x' }, 30_000);
    expect(run.exitCode).toBe(2);
    expect(run.problem).toMatch(/^exited 2: 05-nagle: --requests must be at least 2, got 0 \(try --help\)$/);
  });
});
