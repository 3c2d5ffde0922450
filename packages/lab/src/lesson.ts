// The contract between a lesson app, the lab tour, the report and the tests.
import type { Figure } from './figures.js';
import type { FlagSpec, FlagValues } from './flags.js';

/** One number a lesson measured on this machine, with the notes' figure beside it. */
export interface Measurement {
  /** What was measured, e.g. "stall per request, Nagle on". */
  label: string;
  value: number;
  unit: string;
  /** The textbook figure from the notes, e.g. "100–200 ms (book), ~40 ms on Linux". */
  textbook?: string;
}

/** One comparison a lesson made from values it measured in this run. */
export interface Check {
  /** What was compared, e.g. "stall with Nagle on ≥ 30 ms (delayed ACK)". */
  label: string;
  /** Computed from measured values in this run — never a constant. */
  passed: boolean;
  /** The measured value(s) the check compared, formatted, e.g. "41.8 ms". */
  measured: string;
  /** True when the evidence came from a userland emulation (the relay WAN), not the kernel. */
  emulated?: boolean;
}

/** Build a named check; `passed` must come from this run's measurements. */
export function check(label: string, passed: boolean, measured: string, opts: { emulated?: boolean } = {}): Check {
  if (typeof passed !== 'boolean') throw new TypeError(`check "${label}": passed must be a boolean`);
  return opts.emulated ? { label, passed, measured, emulated: true } : { label, passed, measured };
}

/**
 * How a lesson's run counts:
 * - reproduced: every check passed, nothing skipped, nothing emulated;
 * - partly-skipped: every check that ran passed, but a part could not run here;
 * - emulated: every check passed, but some evidence came from a userland emulation;
 * - not-reproduced: a check that ran failed (whatever else was skipped);
 * - skipped: nothing ran here, so nothing was checked.
 */
export type Verdict = 'reproduced' | 'partly-skipped' | 'emulated' | 'not-reproduced' | 'skipped';

export function verdictOf(r: Pick<LessonResult, 'checks' | 'skipped'>): Verdict {
  if (r.checks.some((c) => !c.passed)) return 'not-reproduced';
  if (r.checks.length === 0) return 'skipped';
  if (r.checks.some((c) => c.emulated)) return 'emulated';
  return r.skipped ? 'partly-skipped' : 'reproduced';
}

export interface LessonResult {
  /** Every comparison this run made; the verdict comes from these (see verdictOf). */
  checks: Check[];
  measurements: Measurement[];
  /** Human-readable lines, already formatted (tables, bars, transcripts). */
  lines: string[];
  figures: Figure[];
  /** Plain statement of what was emulated (delay line, fault relay, model), if anything. */
  emulated?: string;
  /** Set when the lesson (or part of it) could not run here, with the one-line reason. */
  skipped?: string;
}

/** A lesson's own flags: its experiment's options, one schema per lesson (see Lesson.flags). */
export type FlagSchema = Record<string, FlagSpec>;

export interface LessonContext<S extends FlagSchema = FlagSchema> {
  /** Smaller counts and shorter waits, for CI and the quick tour. */
  quick: boolean;
  /**
   * The lesson's own flags as given on its command line; a flag left out is
   * undefined (or its schema default), and the lesson uses its usual value.
   * The tour and most tests pass none.
   */
  flags?: Partial<FlagValues<S>>;
  /** Report what is being measured right now (the tour shows it as progress). */
  progress: (what: string) => void;
  /** `--capture DIR`: lessons that capture packets write `DIR/NN-slug.pcap` (see {@link capturePath}). */
  captureDir?: string;
}

export interface Lesson<S extends FlagSchema = FlagSchema> {
  /** The lesson number on the learning path (docs/README.md), also the app and doc prefix. */
  number: number;
  /** kebab-case: apps/NN-slug and docs/NN-slug.md. */
  slug: string;
  title: string;
  /** The effect, in one line, that the lesson makes visible. */
  effect: string;
  /** 'all' when nothing runs without root, 'part' when some parts skip. */
  needsRoot: 'no' | 'part' | 'all';
  /**
   * The experiment's options as command-line flags (`--help` lists them), so
   * every "Try this" on the lesson's page is a command. Parsed by runLessonMain.
   */
  flags?: S;
  run(ctx: LessonContext<S>): Promise<LessonResult>;
}

export function defineLesson<S extends FlagSchema = FlagSchema>(lesson: Lesson<S>): Lesson<S> {
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
