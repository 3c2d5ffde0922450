// The tour as a learner runs it: a child process, real flags, real exit codes.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { lessonEntries, loadLesson } from './registry.js';
import type { TourRun } from './run.js';

const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
const main = fileURLToPath(new URL('./main.ts', import.meta.url));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function tour(args: string[], timeout = 120_000): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(tsx, [main, ...args], { timeout, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('npm start (the tour)', () => {
  it('lists all 20 lessons with --list, each loaded and ready, and runs nothing', async () => {
    const { code, stdout } = await tour(['--list']);
    expect(code).toBe(0);
    const entries = lessonEntries();
    expect(entries).toHaveLength(20);
    for (const e of entries) {
      const { title } = await loadLesson(e);
      const row = stdout.split('\n').find((l) => l.includes(` ${e.dir} `));
      expect(row, e.dir).toContain(title);
      expect(row, e.dir).toMatch(/ ready\s*$/);
    }
    expect(stdout).not.toContain('cannot load');
  });

  it.each([[['--lesson', 'no-such-lesson'], /^tour: --lesson "no-such-lesson" matches no lesson.*\(try --help\)$/]])(
    'rejects %j with one line and exit code 2',
    async (args, message) => {
      const { code, stderr, stdout } = await tour(args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr.trim()).toMatch(message);
    },
  );

  it('prints usage with --help and exits 0', async () => {
    const { code, stdout } = await tour(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--lesson <string>/);
    expect(stdout).toMatch(/--no-report/);
  });

  it('runs one real lesson with --quick --json and writes the report where --report says', async () => {
    // The quickest lesson; any one would show the plumbing.
    const pick = lessonEntries().find((e) => e.dir === '13-graceful-close')!;
    const dir = mkdtempSync(join(tmpdir(), 'connlab-tour-'));
    dirs.push(dir);
    const report = join(dir, 'nested', 'index.html');
    const { code, stdout, stderr } = await tour(['--lesson', String(pick.number), '--quick', '--json', '--report', report]);
    const run = JSON.parse(stdout) as TourRun & { passed: boolean; counts: Record<string, number>; report: string };
    expect(run.lessons).toHaveLength(1);
    expect(run.lessons[0]!.id).toBe(pick.dir);
    // Lesson 13 needs nothing but loopback: every check runs here and must pass.
    expect(run.lessons[0]!.status).toBe('reproduced');
    expect(run.lessons[0]!.result!.checks.length).toBeGreaterThanOrEqual(2);
    expect(run.lessons[0]!.result!.checks.every((c) => c.passed)).toBe(true);
    expect(run.counts).toMatchObject({ reproduced: 1, 'not-reproduced': 0, failed: 0 });
    expect(run.passed).toBe(true);
    expect(code).toBe(0);
    expect(stderr).toContain(`[1/1] ${pick.dir}`);
    expect(existsSync(report)).toBe(true);
    expect(readFileSync(report, 'utf8')).toContain(`id="lesson-${pick.dir}"`);
  });
});
