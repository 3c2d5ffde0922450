import { runLessonMain } from '@connlab/lab';
import { WAN_FLAG } from '@connlab/netlab';
import type { WanChoice } from '@connlab/netlab';
import { run } from './experiment.js';
import { lesson, lessonOptions, toLessonResult } from './lesson.js';

runLessonMain(lesson, process.argv.slice(2), {
  flags: { wan: WAN_FLAG },
  async run(ctx, flags) {
    return toLessonResult(await run({ ...lessonOptions(ctx.quick), wan: flags.wan as WanChoice }, ctx.progress));
  },
});
