import { describe, expect, it } from 'vitest';
import { lessonEntries, repoRoot } from '@connlab/tour/registry';
import { defaultCommand, fillBlocks, insertMarkers, runCommand } from './capture.js';
import { CaptureError, findCaptureBlocks } from './markers.js';

const doc = `# 13 · Close

## What you will see

Captured on this machine:

\`\`\`
old output
\`\`\`

## Why
`;

describe('captured blocks', () => {
  it('finds blocks and the command a begin marker names', () => {
    const source =
      '<!-- captured:begin -->\nx\n<!-- captured:end -->\n<!-- captured:begin npx tsx apps/01-echo/src/server.ts --port 0 -->\n<!-- captured:end -->';
    expect(findCaptureBlocks(source, 'd.md')).toEqual([
      { begin: 0, end: 2 },
      { begin: 3, end: 4, command: 'npx tsx apps/01-echo/src/server.ts --port 0' },
    ]);
  });

  it('reads a session marker, and leaves markers shown inside a code block alone', () => {
    const source = '```\n<!-- captured:begin -->\n```\n<!-- captured:begin session echo -->\n```\nout\n```\n<!-- captured:end -->';
    expect(findCaptureBlocks(source, 'd.md')).toEqual([{ begin: 3, end: 7, session: 'echo' }]);
  });

  it.each([
    ['<!-- captured:begin rm -rf / -->\n<!-- captured:end -->', /d\.md:1: the marker must name a command like/],
    ['<!-- captured:begin npx tsx apps/01-echo/src/main.ts; rm x -->\n<!-- captured:end -->', /must name a command/],
    ['<!-- captured:begin session ../x -->\n<!-- captured:end -->', /must name a command/],
    ['<!-- captured:begin -->\n<!-- captured:begin -->', /d\.md:2: captured:begin inside another/],
    ['<!-- captured:end -->', /d\.md:1: captured:end without/],
    ['<!-- captured:begin -->', /d\.md:1: captured:begin is never closed/],
  ])('refuses a doc with %j', (source, message) => {
    expect(() => findCaptureBlocks(source, 'd.md')).toThrow(CaptureError);
    expect(() => findCaptureBlocks(source, 'd.md')).toThrow(message);
  });

  it('wraps the first code block under "What you will see" in markers, once', () => {
    const marked = insertMarkers(doc, 'd.md');
    expect(marked).toContain('Captured on this machine:\n\n<!-- captured:begin -->\n```\nold output\n```\n<!-- captured:end -->\n\n## Why');
    expect(findCaptureBlocks(marked, 'd.md')).toHaveLength(1);
    expect(() => insertMarkers('## What you will see\nprose\n## Why\n```\nx\n```', 'd.md')).toThrow(
      /no code block under "What you will see"/,
    );
  });

  it('replaces only what is between the markers, and a second fill gives the same page', () => {
    const marked = insertMarkers(doc, 'd.md');
    const run = { command: defaultCommand('13-close'), output: 'new\noutput', exitCode: 0, signal: null };
    const once = fillBlocks(marked, findCaptureBlocks(marked, 'd.md'), [run], '<sub>note</sub>');
    expect(once).toBe(
      doc.replace(
        '```\nold output\n```',
        '<!-- captured:begin -->\n```text\n$ npx tsx apps/13-close/src/main.ts --quick\nnew\noutput\n```\n<sub>note</sub>\n<!-- captured:end -->',
      ),
    );
    expect(fillBlocks(once, findCaptureBlocks(once, 'd.md'), [run], '<sub>note</sub>')).toBe(once);
  });

  it('gives each terminal of a session its own block and no provenance line when the note is empty', () => {
    const source = '<!-- captured:begin session echo -->\nold\n<!-- captured:end -->';
    const run = {
      command: 'session echo',
      output: '',
      terminals: ['$ connlab echo serve\n', '$ connlab echo send hi'],
      exitCode: 0,
      signal: null,
    };
    expect(fillBlocks(source, findCaptureBlocks(source, 'd.md'), [run], '')).toBe(
      '<!-- captured:begin session echo -->\n```\n$ connlab echo serve\n```\n\n```\n$ connlab echo send hi\n```\n<!-- captured:end -->',
    );
  });

  it('fences output that itself contains a code fence with tildes', () => {
    const source = '<!-- captured:begin -->\n<!-- captured:end -->';
    const filled = fillBlocks(source, findCaptureBlocks(source, 'd.md'), [{ command: 'c', output: '```', exitCode: 0, signal: null }], '');
    expect(filled).toContain('~~~~text');
  });
});

describe('runCommand', () => {
  it('refuses anything but tsx on a lesson app file', async () => {
    await expect(runCommand(repoRoot, 'npx tsx tools/docs/capture.ts')).rejects.toThrow(/refusing to run/);
  });

  it('captures a real lesson run without colour codes', async () => {
    const pick = lessonEntries().find((e) => e.dir === '13-graceful-close');
    expect(pick, 'apps/13-graceful-close, the quickest lesson to run').toBeDefined();
    const run = await runCommand(repoRoot, defaultCommand(pick!.dir), 120_000);
    // Lesson 13 runs on loopback only: every check runs and passes here.
    expect(run.exitCode).toBe(0);
    expect(run.output).toContain(`Lesson ${pick!.dir}`);
    expect(run.output).not.toContain('\u001b[');
    expect(run.output).toMatch(/^✔ graceful close: every byte arrives/m);
    expect(run.output).toMatch(/effect reproduced$/);
  });
});
