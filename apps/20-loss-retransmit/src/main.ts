import { runLessonMain } from '@connlab/lab';
import { run } from './experiment.js';
import { lesson, lessonOptions, toLessonResult } from './lesson.js';

runLessonMain(lesson, process.argv.slice(2), {
  flags: {
    rtt: { type: 'int', min: 2, max: 1000, help: 'round-trip time of the delay line, ms (default 40)' },
    congestion: { type: 'string', choices: ['reno', 'cubic', 'bbr'], help: 'the sender\'s congestion control (default reno, what the Mathis model describes)' },
    'mid-segment': { type: 'int', min: 1, max: 39, help: 'which of the 40 data segments the mid-flight loss drops (default 15)' },
  },
  async run(ctx, flags) {
    const options = lessonOptions(ctx.quick);
    if (flags.rtt !== undefined) options.rttMs = flags.rtt;
    if (flags.congestion !== undefined) options.congestion = flags.congestion;
    if (flags['mid-segment'] !== undefined) options.midSegment = flags['mid-segment'];
    return toLessonResult(await run(options, ctx.progress));
  },
});
