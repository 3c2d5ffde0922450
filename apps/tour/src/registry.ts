// Finds the lessons: every app whose package.json has `"connlab": { "lesson": N }`,
// imported by its workspace package name so the tour sees what a user would.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '@connlab/lab';
import type { Lesson } from '@connlab/lab';

/** The repository root (apps/tour/src → ../../..). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface LessonEntry {
  number: number;
  /** Directory under apps/, also the lesson id: `05-nagle`. */
  dir: string;
  packageName: string;
  /** The app's package.json description, the source of the title shown before (or without) the loaded lesson. */
  description: string;
  /** Absolute path of the app directory. */
  path: string;
}

interface AppManifest {
  name?: string;
  description?: string;
  connlab?: { lesson?: number };
  dependencies?: Record<string, string>;
}

/** Read apps/<dir>/package.json, or undefined when there is none (or it is not JSON). */
export function readManifest(appPath: string): AppManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(appPath, 'package.json'), 'utf8')) as AppManifest;
  } catch {
    return undefined;
  }
}

/**
 * Every lesson app under `appsDir`, ordered by lesson number.
 *
 * @example
 * lessonEntries().map((e) => e.dir); // ['01-echo', '02-latency-breakdown', ...]
 */
export function lessonEntries(appsDir = join(repoRoot, 'apps')): LessonEntry[] {
  const entries: LessonEntry[] = [];
  for (const dir of readdirSync(appsDir)) {
    const path = join(appsDir, dir);
    const manifest = readManifest(path);
    const number = manifest?.connlab?.lesson;
    if (typeof number === 'number' && manifest?.name) {
      entries.push({ number, dir, packageName: manifest.name, description: manifest.description ?? '', path });
    }
  }
  return entries.sort((a, b) => a.number - b.number);
}

/** The title to show before the lesson module is loaded: "Lesson 05: Nagle." → "Nagle". */
export function plannedTitle(entry: LessonEntry): string {
  return entry.description.replace(/^Lesson \d+:\s*/, '').replace(/\.$/, '') || entry.dir;
}

/** A lesson app whose lesson cannot be imported, or whose module exports no `lesson`. */
export class LessonLoadError extends Error {
  readonly code = 'TOUR_LESSON_LOAD';
  constructor(
    readonly packageName: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`cannot load ${packageName}: ${reason}`, options);
    this.name = 'LessonLoadError';
  }
}

/**
 * Import an app's lesson by its package name, as a user of the workspace would.
 * Any failure (no such package, no src/lesson.ts, an error while importing, no
 * `lesson` export) is a LessonLoadError whose one-line message names the package.
 *
 * @example
 * await loadLesson(lessonEntries()[0]!); // the lesson 01 definition
 */
export async function loadLesson(entry: LessonEntry): Promise<Lesson> {
  let mod: { lesson?: Lesson };
  try {
    mod = (await import(entry.packageName)) as { lesson?: Lesson };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const first =
      message
        .split('\n')
        .map((l) => l.trim())
        .find(Boolean) ?? (error instanceof Error ? error.name : 'import failed');
    throw new LessonLoadError(entry.packageName, first, { cause: error });
  }
  if (!mod.lesson) throw new LessonLoadError(entry.packageName, 'the module does not export `lesson`');
  return mod.lesson;
}

/**
 * Pick lessons by number (`5`, `05`), id (`05-nagle`) or slug (`nagle`);
 * each selector may be a comma list. No selectors selects every lesson.
 * An unknown selector is a UsageError naming the choices.
 *
 * @example
 * selectLessons(lessonEntries(), ['5,time-wait']); // lessons 05 and 06
 */
export function selectLessons(entries: readonly LessonEntry[], selectors: readonly string[]): LessonEntry[] {
  const wanted = selectors
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  if (wanted.length === 0) return [...entries];
  const picked = new Set<LessonEntry>();
  for (const w of wanted) {
    const match = entries.find((e) => (/^\d+$/.test(w) && e.number === Number(w)) || e.dir === w || e.dir.replace(/^\d+-/, '') === w);
    if (!match) {
      throw new UsageError(
        `--lesson "${w}" matches no lesson; use a number 1-${entries.length}, an id like ${entries[0]?.dir ?? '01-echo'}, or a name like ${entries[0]?.dir.replace(/^\d+-/, '') ?? 'echo'} (see --list)`,
      );
    }
    picked.add(match);
  }
  return entries.filter((e) => picked.has(e));
}

/**
 * Fold every `--name X` / `--name=X` into one `--name X,Y` so a flag can be
 * repeated (node's parseArgs keeps only the last value of a string option).
 */
export function foldRepeated(argv: readonly string[], name: string): string[] {
  const flag = `--${name}`;
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === flag && i + 1 < argv.length) values.push(argv[++i]!);
    else if (arg.startsWith(`${flag}=`)) values.push(arg.slice(flag.length + 1));
    else rest.push(arg);
  }
  return values.length ? [...rest, flag, values.join(',')] : rest;
}
