// The shared entry point for a lesson app's main.ts.
import { mkdirSync } from 'node:fs';
import type { FlagSchema, Lesson, LessonContext } from './lesson.js';
import { parseFlags, runMain } from './flags.js';
import type { FlagValues } from './flags.js';
import { formatLessonResult } from './text.js';
import { lessonId, verdictOf } from './lesson.js';

/**
 * Run one lesson from the command line with `--quick`, `--json`, `--capture`
 * and the lesson's own flags (Lesson.flags), print what it measured, and exit
 * 1 when a check that ran failed.
 */
export function runLessonMain<L extends FlagSchema>(lesson: Lesson<L>, argv: readonly string[] = process.argv.slice(2)): void {
  const id = lessonId(lesson);
  runMain(id, async () => {
    const common = {
      quick: { type: 'boolean', help: 'smaller counts and shorter waits' },
      json: { type: 'boolean', help: 'print the result as JSON' },
      capture: { type: 'string', help: `lessons that capture packets write DIR/${id}.pcap` },
    } as const satisfies FlagSchema;
    for (const name of Object.keys(lesson.flags ?? {})) {
      if (name in common) throw new TypeError(`lesson ${id}: its flag --${name} clashes with a common one`);
    }
    const flags = parseFlags(
      argv,
      { ...common, ...lesson.flags },
      { usage: `npx tsx apps/${id}/src/main.ts`, summary: `${lesson.title}: ${lesson.effect}` },
    );
    const lessonFlags = Object.fromEntries(
      Object.keys(lesson.flags ?? {}).map((name) => [name, (flags as Record<string, unknown>)[name]]),
    ) as Partial<FlagValues<L>>;
    if (flags.capture !== undefined) mkdirSync(flags.capture, { recursive: true });
    const ctx: LessonContext<L> = {
      quick: flags.quick,
      flags: lessonFlags,
      ...(flags.capture === undefined ? {} : { captureDir: flags.capture }),
      progress: (what) => {
        if (!flags.json) process.stderr.write(`… ${what}\n`);
      },
    };
    const result = await lesson.run(ctx);
    const verdict = verdictOf(result);
    if (flags.json) console.log(JSON.stringify({ lesson: id, verdict, ...result }, null, 2));
    else console.log(formatLessonResult(lesson, result).join('\n'));
    if (verdict === 'not-reproduced') process.exitCode = 1;
  });
}
