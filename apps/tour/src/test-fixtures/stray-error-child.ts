// Run by run.test.ts in a child process: a lesson whose timer throws after the
// lesson started, then a lesson after it. Prints each lesson's status as JSON.
import { check, defineLesson } from '@connlab/lab';
import type { Lesson } from '@connlab/lab';
import { runTour } from '../run.js';

const lessons: Record<string, Lesson> = {
  '01-stray': defineLesson({
    number: 1, slug: 'stray', title: 'stray', effect: '', needsRoot: 'no',
    run: () => new Promise(() => {
      setTimeout(() => { throw new Error('thrown from a timer'); }, 10);
    }),
  }),
  '02-after': defineLesson({
    number: 2, slug: 'after', title: 'after', effect: '', needsRoot: 'no',
    run: () => Promise.resolve({ checks: [check('ran', true, 'yes')], measurements: [], lines: [], figures: [] }),
  }),
};

const run = await runTour(
  Object.keys(lessons).map((dir, i) => ({ number: i + 1, dir, packageName: dir, description: '', path: dir })),
  { quick: true, timeoutMs: 10_000, trapStrayErrors: true, load: (e) => Promise.resolve(lessons[e.dir]!) },
);
console.log(JSON.stringify(run.lessons.map(({ id, status, error }) => ({ id, status, ...(error ? { error } : {}) }))));
