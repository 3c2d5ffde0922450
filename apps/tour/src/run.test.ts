import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { check, defineLesson } from '@connlab/lab';
import type { Lesson, LessonResult } from '@connlab/lab';
import { describe, expect, it } from 'vitest';
import { loadLesson } from './registry.js';
import type { LessonEntry } from './registry.js';
import { oneLine, runTour, statusOf, tourFailed } from './run.js';

const pass = check('effect shown', true, '1 ms');
const fail = check('effect shown', false, '0 ms');
const result = (over: Partial<LessonResult>): LessonResult => ({ checks: [pass], measurements: [], lines: [], figures: [], ...over });

function fake(number: number, slug: string, run: Lesson['run']): { entry: LessonEntry; lesson: Lesson } {
  const dir = `${String(number).padStart(2, '0')}-${slug}`;
  return {
    entry: { number, dir, packageName: `@fake/${dir}`, description: `Lesson ${number}: ${slug}.`, path: `/nonexistent/${dir}` },
    lesson: defineLesson({ number, slug, title: `title ${slug}`, effect: `effect ${slug}`, needsRoot: 'no', run }),
  };
}

async function tour(fakes: ReturnType<typeof fake>[], timeoutMs = 5000) {
  const byDir = new Map(fakes.map((f) => [f.entry.dir, f.lesson]));
  const events: string[] = [];
  const run = await runTour(
    fakes.map((f) => f.entry),
    {
      quick: true,
      timeoutMs,
      load: (e) => Promise.resolve(byDir.get(e.dir)!),
      hooks: {
        onStart: (i, n, id) => events.push(`start ${i + 1}/${n} ${id}`),
        onProgress: (what) => events.push(`progress ${what}`),
        onEnd: (l) => events.push(`end ${l.id} ${l.status}`),
      },
    },
  );
  return { run, events };
}

describe('runTour', () => {
  it('hands --capture DIR to every lesson, and nothing without it', async () => {
    const seen: (string | undefined)[] = [];
    const lesson = fake(1, 'a', (ctx) => {
      seen.push(ctx.captureDir);
      return Promise.resolve(result({}));
    });
    await runTour([lesson.entry], { quick: true, timeoutMs: 5000, captureDir: '/tmp/caps', load: () => Promise.resolve(lesson.lesson) });
    await runTour([lesson.entry], { quick: true, timeoutMs: 5000, load: () => Promise.resolve(lesson.lesson) });
    expect(seen).toEqual(['/tmp/caps', undefined]);
  });

  it('runs lessons in order, passes quick and reports progress between start and end', async () => {
    let sawQuick = false;
    const { run, events } = await tour([
      fake(1, 'a', (ctx) => {
        sawQuick = ctx.quick;
        ctx.progress('measuring a');
        return Promise.resolve(result({}));
      }),
      fake(2, 'b', () => Promise.resolve(result({}))),
    ]);
    expect(sawQuick).toBe(true);
    expect(events).toEqual(['start 1/2 01-a', 'progress measuring a', 'end 01-a reproduced', 'start 2/2 02-b', 'end 02-b reproduced']);
    expect(run.lessons.map((l) => l.title)).toEqual(['title a', 'title b']);
    expect(run.quick).toBe(true);
    expect(run.machine.cpus).toBeGreaterThan(0);
  });

  it('records a throwing lesson as failed with a one-line error and goes on to the next', async () => {
    const coded = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1\n    at stack line'), { code: 'ECONNREFUSED' });
    const { run } = await tour([
      fake(1, 'async-throw', () => Promise.reject(coded)),
      fake(2, 'sync-throw', () => {
        throw new TypeError('bad option --count');
      }),
      fake(3, 'fine', () => Promise.resolve(result({}))),
    ]);
    expect(run.lessons.map((l) => l.status)).toEqual(['failed', 'failed', 'reproduced']);
    expect(run.lessons[0]!.error).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(run.lessons[1]!.error).toBe('bad option --count');
    expect(tourFailed(run)).toBe(true);
  });

  it('fails a lesson that runs past its time limit or returns something that is not a result', async () => {
    const { run } = await tour(
      [
        fake(1, 'hangs', () => new Promise<LessonResult>(() => undefined)),
        fake(2, 'garbage', () => Promise.resolve({ reproduced: 'yes' } as unknown as LessonResult)),
        fake(3, 'bad-check', () =>
          Promise.resolve(result({ checks: [{ label: 'x', passed: 'yes' }] as unknown as LessonResult['checks'] })),
        ),
      ],
      150,
    );
    expect(run.lessons[0]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/01-hangs still running after 0 s.*\[TOUR_LESSON_TIMEOUT\]/) as unknown,
    });
    expect(run.lessons[1]).toMatchObject({ status: 'failed', error: '02-garbage returned something that is not a lesson result' });
    expect(run.lessons[2]).toMatchObject({ status: 'failed', error: '03-bad-check returned something that is not a lesson result' });
  });

  it('tells the verdicts apart, and fails the tour for a failed check even when another part was skipped', async () => {
    const passing = await tour([
      fake(1, 'skips', () => Promise.resolve(result({ checks: [], skipped: 'skipped: needs root' }))),
      fake(2, 'part', () => Promise.resolve(result({ skipped: 'skipped: part needs root' }))),
      fake(3, 'relay', () => Promise.resolve(result({ checks: [pass, check('relay RTT', true, '40 ms', { emulated: true })] }))),
    ]);
    expect(passing.run.lessons.map((l) => l.status)).toEqual(['skipped', 'partly-skipped', 'emulated']);
    expect(tourFailed(passing.run)).toBe(false);
    const missed = await tour([
      fake(1, 'missed', () => Promise.resolve(result({ checks: [pass, fail] }))),
      fake(2, 'ran-part', () => Promise.resolve(result({ checks: [fail], skipped: 'skipped: part needs root' }))),
    ]);
    expect(missed.run.lessons.map((l) => l.status)).toEqual(['not-reproduced', 'not-reproduced']);
    expect(tourFailed(missed.run)).toBe(true);
  });

  it('records a lesson app whose lesson cannot be loaded as failed, with one line naming the package, and goes on', async () => {
    // The real loader for the missing one: it imports by package name, and no such package exists.
    const ok = fake(2, 'fine', () => Promise.resolve(result({})));
    const missing: LessonEntry = {
      number: 1,
      dir: '01-missing',
      packageName: '@connlab/lesson-01-missing',
      description: 'Lesson 01: Missing lesson.',
      path: '/nonexistent/01-missing',
    };
    const run = await runTour([missing, ok.entry], {
      quick: true,
      timeoutMs: 5000,
      load: (e) => (e === ok.entry ? Promise.resolve(ok.lesson) : loadLesson(e)),
    });
    expect(run.lessons[0]).toMatchObject({ id: '01-missing', title: 'Missing lesson', status: 'failed' });
    expect(run.lessons[0]!.error).toMatch(/^cannot load @connlab\/lesson-01-missing: \S[^\n]*\[TOUR_LESSON_LOAD\]$/);
    expect(run.lessons[1]!.status).toBe('reproduced');
    expect(tourFailed(run)).toBe(true);
  });

  it('charges an uncaught exception thrown from a lesson timer to that lesson and keeps going', async () => {
    // In a child process: vitest treats any uncaught exception in its own worker as a failed run.
    const fixture = fileURLToPath(new URL('./test-fixtures/stray-error-child.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
    const { stdout } = await promisify(execFile)(tsx, [fixture], { timeout: 20_000 });
    const statuses = JSON.parse(stdout) as { id: string; status: string; error?: string }[];
    expect(statuses).toEqual([
      { id: '01-stray', status: 'failed', error: 'thrown from a timer' },
      { id: '02-after', status: 'reproduced' },
    ]);
  });
});

describe('statusOf and oneLine', () => {
  it('derive the status from the result and keep only the first line of an error', () => {
    expect(statusOf(result({ checks: [pass, fail] }))).toBe('not-reproduced');
    expect(oneLine(new Error('\nfirst\nsecond'))).toBe('first');
    expect(oneLine(Object.assign(new Error('timed out'), { code: 'ECHO_TIMEOUT' }))).toBe('timed out [ECHO_TIMEOUT]');
    expect(oneLine('x'.repeat(400))).toHaveLength(300);
  });
});
