// `npm start`: run every lesson in order and print what each measured.
import { formatLessonResult, lessonId, runMain, table, formatValue } from '@connlab/lab';
import type { Lesson, LessonResult } from '@connlab/lab';
import { lessonEntries, loadLesson } from './registry.js';

runMain('tour', async () => {
  const quick = process.argv.includes('--quick');
  const entries = lessonEntries();
  const results: { lesson: Lesson; result: LessonResult }[] = [];
  for (const [i, entry] of entries.entries()) {
    const lesson = await loadLesson(entry);
    process.stderr.write(`\n[${i + 1}/${entries.length}] ${lessonId(lesson)}: ${lesson.title}\n`);
    const result = await lesson.run({ quick, progress: (what) => process.stderr.write(`  … ${what}\n`) });
    console.log(formatLessonResult(lesson, result).join('\n'));
    results.push({ lesson, result });
  }
  console.log('\n' + table(
    ['lesson', 'measured', 'this machine', 'the notes', 'effect'],
    results.flatMap(({ lesson, result }) => {
      const status = result.skipped && !result.measurements.length ? 'skipped' : result.reproduced ? 'reproduced' : 'NOT reproduced';
      const first = result.measurements[0];
      return [[lessonId(lesson), first?.label ?? '', first ? formatValue(first.value, first.unit) : '', first?.textbook ?? '', status]];
    }),
  ).join('\n'));
  if (results.some(({ result }) => !result.reproduced && !result.skipped)) process.exitCode = 1;
});
