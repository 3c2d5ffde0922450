import { runLessonMain } from '@connlab/lab';
import { run } from './experiment.js';
import { lesson, lessonOptions, toLessonResult } from './lesson.js';

runLessonMain(lesson, process.argv.slice(2), {
  flags: {
    connections: { type: 'int', min: 1, max: 10_000, help: 'connections to the two SO_REUSEPORT processes (default 1000, 200 with --quick)' },
    'old-connections': { type: 'int', min: 1, max: 1000, help: 'connections the old server had before its restart (default 3)' },
  },
  async run(ctx, flags) {
    const options = lessonOptions(ctx.quick);
    if (flags.connections !== undefined) options.reusePort.connections = flags.connections;
    if (flags['old-connections'] !== undefined) options.connections = flags['old-connections'];
    return toLessonResult(await run(options, ctx.progress));
  },
});
