// Lesson 01 in one process: server and client together, measured.
//   npx tsx apps/01-echo/src/main.ts [--quick] [--json]
import { runLessonMain } from '@connlab/lab';
import { lesson } from './lesson.js';

runLessonMain(lesson);
