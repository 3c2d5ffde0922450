import { runLessonMain } from '@connlab/lab';
import { lesson } from './lesson.js';

runLessonMain(lesson);
