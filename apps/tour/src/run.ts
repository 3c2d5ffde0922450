// The tour loop: run the chosen lessons one after another and record what each
// showed. A lesson that cannot be loaded, throws, hangs or returns nonsense is recorded as failed
// and the tour goes on; nothing a lesson does ends the tour.
import { arch, cpus, release } from 'node:os';
import { isRoot, nowMs, verdictOf } from '@connlab/lab';
import type { Check, Lesson, LessonResult, Verdict } from '@connlab/lab';
import type { LessonEntry } from './registry.js';
import { loadLesson, plannedTitle } from './registry.js';

/**
 * What became of one lesson in the tour: its verdict (see verdictOf in @connlab/lab:
 * reproduced, partly-skipped, emulated, not-reproduced, skipped), or
 * - failed: it could not be loaded, threw, timed out or returned something that is not a result.
 */
export type LessonStatus = Verdict | 'failed';

export interface TourLesson {
  number: number;
  /** `05-nagle`: the app directory and the doc name. */
  id: string;
  title: string;
  effect?: string;
  needsRoot?: Lesson['needsRoot'];
  status: LessonStatus;
  durationMs: number;
  result?: LessonResult;
  /** One line: why it failed. */
  error?: string;
}

export interface MachineInfo {
  node: string;
  platform: string;
  arch: string;
  kernel: string;
  cpus: number;
  root: boolean;
}

export interface TourRun {
  startedAt: string;
  durationMs: number;
  quick: boolean;
  machine: MachineInfo;
  lessons: TourLesson[];
}

export interface TourHooks {
  onStart?: (index: number, total: number, id: string, title: string) => void;
  onProgress?: (what: string) => void;
  onEnd?: (lesson: TourLesson, index: number, total: number) => void;
}

export interface RunTourOptions {
  quick: boolean;
  /** `--capture DIR`: lessons that capture packets write DIR/NN-slug.pcap. */
  captureDir?: string;
  /** Per-lesson limit; a lesson still running then is recorded as failed. */
  timeoutMs: number;
  hooks?: TourHooks;
  /** Where lessons come from; tests pass their own. */
  load?: (entry: LessonEntry) => Promise<Lesson>;
  /**
   * Catch uncaught exceptions and unhandled rejections while the tour runs and
   * charge them to the lesson running at the time (a socket 'error' event nobody
   * listened for would otherwise end the whole tour). Off by default: it
   * changes process-wide behaviour, so only the tour's main turns it on.
   */
  trapStrayErrors?: boolean;
  /** Called for a stray error that arrived when no lesson was running. */
  onStrayError?: (error: unknown) => void;
}

/** This machine, as the report and the JSON output describe it. */
export function machineInfo(): MachineInfo {
  return { node: process.version, platform: process.platform, arch: arch(), kernel: release(), cpus: cpus().length, root: isRoot() };
}

/** The first line of an error's message, with its stable code when it has one. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = (message.split('\n').find((l) => l.trim() !== '') ?? '').trim() || (error instanceof Error ? error.name : 'error');
  const code = (error as { code?: unknown } | null)?.code;
  const withCode = typeof code === 'string' && !first.includes(code) ? `${first} [${code}]` : first;
  return withCode.length > 300 ? `${withCode.slice(0, 299)}…` : withCode;
}

function isCheck(value: unknown): value is Check {
  const c = value as Partial<Check> | null;
  return (
    typeof c === 'object' && c !== null && typeof c.label === 'string' && typeof c.passed === 'boolean' && typeof c.measured === 'string'
  );
}

/** A lesson result must at least have these, or the tour cannot show it. */
function isLessonResult(value: unknown): value is LessonResult {
  const r = value as Partial<LessonResult> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    Array.isArray(r.checks) &&
    r.checks.every(isCheck) &&
    Array.isArray(r.measurements) &&
    Array.isArray(r.lines) &&
    Array.isArray(r.figures)
  );
}

/** How a finished result counts: its verdict, from the checks that ran. */
export function statusOf(result: LessonResult): LessonStatus {
  return verdictOf(result);
}

/** True when the tour should exit non-zero: a lesson that ran did not show its effect, or failed. */
export function tourFailed(run: TourRun): boolean {
  return run.lessons.some((l) => l.status === 'not-reproduced' || l.status === 'failed');
}

class LessonTimeout extends Error {
  readonly code = 'TOUR_LESSON_TIMEOUT';
  constructor(id: string, ms: number) {
    super(`${id} still running after ${Math.round(ms / 1000)} s (its work may continue in the background)`);
    this.name = 'LessonTimeout';
  }
}

/** Wait for a lesson's result, or fail on its time limit or on a stray error raised meanwhile. */
async function settle<T>(work: Promise<T>, ms: number, id: string, strays: StrayTrap | undefined): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new LessonTimeout(id, ms));
    }, ms);
    if (strays) strays.current = reject;
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
    if (strays) strays.current = undefined;
  }
}

interface StrayTrap {
  current: ((error: unknown) => void) | undefined;
  release: () => void;
}

function trapStrays(elsewhere: (error: unknown) => void): StrayTrap {
  const trap: StrayTrap = {
    current: undefined,
    release: () => {
      process.off('uncaughtException', handler);
      process.off('unhandledRejection', handler);
    },
  };
  const handler = (error: unknown) => {
    if (trap.current) trap.current(error);
    else elsewhere(error);
  };
  process.on('uncaughtException', handler);
  process.on('unhandledRejection', handler);
  return trap;
}

/**
 * Run lessons in order and collect what each showed.
 *
 * @example
 * const run = await runTour(lessonEntries(), { quick: true, timeoutMs: 180_000 });
 * run.lessons.map((l) => l.status); // ['reproduced', 'skipped', ...]
 */
export async function runTour(entries: readonly LessonEntry[], options: RunTourOptions): Promise<TourRun> {
  const strays = options.trapStrayErrors ? trapStrays(options.onStrayError ?? (() => undefined)) : undefined;
  try {
    return await runAll(entries, options, strays);
  } finally {
    strays?.release();
  }
}

async function runAll(entries: readonly LessonEntry[], options: RunTourOptions, strays: StrayTrap | undefined): Promise<TourRun> {
  const { hooks = {}, load = loadLesson } = options;
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const lessons: TourLesson[] = [];
  for (const [index, entry] of entries.entries()) {
    const base = { number: entry.number, id: entry.dir, title: plannedTitle(entry) };
    hooks.onStart?.(index, entries.length, base.id, base.title);
    const t0 = nowMs();
    let record: TourLesson;
    let lesson: Lesson | undefined;
    try {
      lesson = await load(entry);
      const running = lesson.run({
        quick: options.quick,
        progress: (what) => hooks.onProgress?.(what),
        ...(options.captureDir === undefined ? {} : { captureDir: options.captureDir }),
      });
      const result: unknown = await settle(running, options.timeoutMs, base.id, strays);
      if (!isLessonResult(result)) throw new TypeError(`${base.id} returned something that is not a lesson result`);
      record = {
        ...base,
        title: lesson.title,
        effect: lesson.effect,
        needsRoot: lesson.needsRoot,
        status: statusOf(result),
        durationMs: nowMs() - t0,
        result,
      };
    } catch (error) {
      record = {
        ...base,
        ...(lesson ? { title: lesson.title, effect: lesson.effect, needsRoot: lesson.needsRoot } : {}),
        status: 'failed',
        durationMs: nowMs() - t0,
        error: oneLine(error),
      };
    }
    lessons.push(record);
    hooks.onEnd?.(record, index, entries.length);
  }
  return { startedAt, durationMs: nowMs() - started, quick: options.quick, machine: machineInfo(), lessons };
}
