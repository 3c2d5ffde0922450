import { runLessonMain } from '@connlab/lab';
import { WAN_FLAG } from '@connlab/netlab';
import type { WanChoice } from '@connlab/netlab';
import { lesson, lessonOptions, runLesson } from './lesson.js';

runLessonMain(lesson, process.argv.slice(2), {
  flags: { wan: WAN_FLAG },
  run: (ctx, flags) => runLesson(ctx, { ...lessonOptions(ctx.quick), wan: flags.wan as WanChoice }),
});
