// The contract between a lesson app, the lab tour, the report and the tests.
import type { Figure } from './figures.js';

/** One number a lesson measured on this machine, with the notes' figure beside it. */
export interface Measurement {
  /** What was measured, e.g. "stall per request, Nagle on". */
  label: string;
  value: number;
  unit: string;
  /** The textbook figure from the notes, e.g. "100–200 ms (book), ~40 ms on Linux". */
  textbook?: string;
}

export interface LessonResult {
  /** Did the run show the effect the lesson is about? */
  reproduced: boolean;
  measurements: Measurement[];
  /** Human-readable lines, already formatted (tables, bars, transcripts). */
  lines: string[];
  figures: Figure[];
  /** Plain statement of what was emulated (delay line, fault relay, model), if anything. */
  emulated?: string;
  /** Set when the lesson (or part of it) could not run here, with the one-line reason. */
  skipped?: string;
}

export interface LessonContext {
  /** Smaller counts and shorter waits, for CI and the quick tour. */
  quick: boolean;
  /** Report what is being measured right now (the tour shows it as progress). */
  progress: (what: string) => void;
  /** `--capture DIR`: lessons that capture packets write `DIR/NN-slug.pcap` (see {@link capturePath}). */
  captureDir?: string;
}

export interface Lesson {
  /** The concept number in CONCEPTS.md, also the app and doc prefix. */
  number: number;
  /** kebab-case: apps/NN-slug and docs/NN-slug.md. */
  slug: string;
  title: string;
  /** The effect, in one line, that the lesson makes visible. */
  effect: string;
  /** 'all' when nothing runs without root, 'part' when some parts skip. */
  needsRoot: 'no' | 'part' | 'all';
  run(ctx: LessonContext): Promise<LessonResult>;
}

export function defineLesson(lesson: Lesson): Lesson {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(lesson.slug)) {
    throw new TypeError(`lesson slug must be kebab-case, got "${lesson.slug}"`);
  }
  return lesson;
}

/** `apps/05-nagle`-style id of a lesson. */
export function lessonId(lesson: Pick<Lesson, 'number' | 'slug'>): string {
  return `${String(lesson.number).padStart(2, '0')}-${lesson.slug}`;
}

/** Where a capturing lesson writes its pcap file (`DIR/NN-slug.pcap`), or undefined without `--capture`. */
export function capturePath(ctx: Pick<LessonContext, 'captureDir'>, lesson: Pick<Lesson, 'number' | 'slug'>): string | undefined {
  return ctx.captureDir === undefined ? undefined : `${ctx.captureDir.replace(/\/+$/, '')}/${lessonId(lesson)}.pcap`;
}

/** True when this process may create network namespaces and set per-namespace sysctls. */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The one line printed (and recorded) when a root-only part is skipped. */
export function rootSkipReason(what: string): string {
  return `skipped: ${what} needs root (network namespaces); run as root to measure it`;
}
