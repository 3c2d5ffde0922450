import { runLessonMain } from '@connlab/lab';
import { run } from './experiment.js';
import { lesson, lessonOptions, toLessonResult } from './lesson.js';

runLessonMain(lesson, process.argv.slice(2), {
  flags: {
    backlog: { type: 'int', min: 1, max: 64, help: 'listen({ backlog }) of the stuck server (default 4; Node reads 0 as its default, 511)' },
    'resume-ms': { type: 'int', min: 400, max: 20_000, help: 'when the stuck server calls accept() again, ms after the late SYNs (default 3500, 1500 with --quick)' },
    extra: { type: 'int', min: 1, max: 20, help: 'clients that arrive once the queue is full (default 3)' },
  },
  async run(ctx, flags) {
    const options = lessonOptions(ctx.quick);
    if (flags.backlog !== undefined) options.overflow.backlog = flags.backlog;
    if (flags['resume-ms'] !== undefined) options.overflow.resumeAfterMs = flags['resume-ms'];
    if (flags.extra !== undefined) options.overflow.extra = flags.extra;
    return toLessonResult(await run(options, ctx.progress));
  },
});
