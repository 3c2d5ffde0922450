// The tour's progress display on stderr: on a terminal, one live status line
// (lesson i of n, what it measures now, seconds so far) redrawn in place; in a
// pipe or a log, plain lines, one per event.
import pc from 'picocolors';
import type { LessonStatus, TourHooks, TourLesson } from './run.js';
import { formatDuration, statusText } from './summary.js';

/** Where the display writes: a stream with optional terminal abilities. */
export interface ProgressStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

const colour: Record<LessonStatus, (s: string) => string> = {
  reproduced: pc.green,
  'partly-skipped': pc.yellow,
  emulated: pc.yellow,
  'not-reproduced': pc.red,
  skipped: pc.yellow,
  failed: pc.red,
};

// ◐: the parts that ran passed, the rest did not run; ≈: passed on an emulation, not the kernel.
const mark: Record<LessonStatus, string> = {
  reproduced: '✔',
  'partly-skipped': '◐',
  emulated: '≈',
  'not-reproduced': '✘',
  skipped: '–',
  failed: '✘',
};

/** The verdict coloured for the terminal. */
export function colourStatus(status: LessonStatus, text = statusText[status]): string {
  return colour[status](text);
}

/**
 * Tour hooks that draw progress. Call `stop()` when the tour ends (it clears
 * the live line and its timer), and `clear()` before writing to stdout.
 *
 * @example
 * const progress = new ProgressDisplay(process.stderr);
 * await runTour(entries, { quick, timeoutMs, hooks: progress.hooks });
 * progress.stop();
 */
export class ProgressDisplay {
  readonly hooks: TourHooks;
  private readonly live: boolean;
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private head = '';
  private what = '';
  private started = 0;

  constructor(private readonly out: ProgressStream) {
    this.live = out.isTTY === true;
    this.hooks = {
      onStart: (index, total, id, title) => {
        this.head = `[${index + 1}/${total}] ${id}`;
        this.what = title;
        this.started = Date.now();
        if (this.live) this.startTimer();
        else this.out.write(`${this.head}: ${title}\n`);
      },
      onProgress: (what) => {
        this.what = what;
        if (this.live) this.draw();
        else this.out.write(`  … ${what}\n`);
      },
      onEnd: (lesson) => this.end(lesson),
    };
  }

  /** Remove the live line so other output starts on a clean line. */
  clear(): void {
    if (this.live) this.out.write('\r\u001b[2K');
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private startTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => this.draw(), 120);
    // The display must never keep the process alive on its own.
    this.timer.unref();
    this.draw();
  }

  private draw(): void {
    this.frame = (this.frame + 1) % frames.length;
    const seconds = `${Math.floor((Date.now() - this.started) / 1000)} s`;
    const width = Math.max(40, (this.out.columns ?? 100) - 1);
    const prefix = `${frames[this.frame]!} ${this.head} `;
    const room = width - prefix.length - seconds.length - 3;
    const what = this.what.length > room ? `${this.what.slice(0, Math.max(0, room - 1))}…` : this.what;
    this.out.write(`\r\u001b[2K${pc.cyan(prefix)}${what} ${pc.dim(`(${seconds})`)}`);
  }

  private end(lesson: TourLesson): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const took = lesson.durationMs > 0 ? pc.dim(` ${formatDuration(lesson.durationMs)}`) : '';
    const detail = lesson.status === 'failed' ? pc.dim(` — ${lesson.error ?? ''}`) : '';
    if (this.live)
      this.out.write(
        `\r\u001b[2K${colour[lesson.status](mark[lesson.status])} ${this.head} ${colourStatus(lesson.status)}${took}${detail}\n`,
      );
    else this.out.write(`  → ${colourStatus(lesson.status)}${took}${detail}\n`);
  }
}
