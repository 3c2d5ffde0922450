// Finds the lessons: every app whose package.json has `"connlab": { "lesson": N }`,
// imported by its workspace package name so the tour sees what a user would.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lesson } from '@connlab/lab';

const appsDir = fileURLToPath(new URL('../../', import.meta.url));

export interface LessonEntry {
  number: number;
  dir: string;
  packageName: string;
}

export function lessonEntries(): LessonEntry[] {
  const entries: LessonEntry[] = [];
  for (const dir of readdirSync(appsDir)) {
    let manifest: { name?: string; connlab?: { lesson?: number } };
    try {
      manifest = JSON.parse(readFileSync(join(appsDir, dir, 'package.json'), 'utf8')) as typeof manifest;
    } catch {
      continue;
    }
    const number = manifest.connlab?.lesson;
    if (typeof number === 'number' && manifest.name) entries.push({ number, dir, packageName: manifest.name });
  }
  return entries.sort((a, b) => a.number - b.number);
}

export async function loadLesson(entry: LessonEntry): Promise<Lesson> {
  const mod = (await import(entry.packageName)) as { lesson?: Lesson };
  if (!mod.lesson) throw new Error(`${entry.packageName} does not export a lesson`);
  return mod.lesson;
}
