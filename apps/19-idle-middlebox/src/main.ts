import { runLessonMain } from '@connlab/lab';
import { run } from './experiment.js';
import { lesson, lessonOptions, toLessonResult } from './lesson.js';

runLessonMain(lesson, process.argv.slice(2), {
  flags: {
    'forget-s': { type: 'int', min: 2, max: 60, help: 'the middlebox forgets flows idle longer than this, s (default 2)' },
    'idle-s': { type: 'int', min: 1, max: 120, help: 'how long the connections stay idle, s (default 3)' },
    'keepalive-s': { type: 'int', min: 1, max: 60, help: 'TCP keepalive idle and interval, s (default 1)' },
  },
  async run(ctx, flags) {
    const options = lessonOptions();
    if (flags['forget-s'] !== undefined) options.forgetMs = flags['forget-s'] * 1000;
    if (flags['idle-s'] !== undefined) options.idleMs = flags['idle-s'] * 1000;
    if (flags['keepalive-s'] !== undefined) options.keepaliveMs = flags['keepalive-s'] * 1000;
    return toLessonResult(await run(options, ctx.progress));
  },
});
