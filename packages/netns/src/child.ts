// A child process running inside a namespace, with a message queue over the
// IPC channel so the parent can await "the next message of this kind".
import type { ChildProcess } from 'node:child_process';
import { NetnsChildExitError, NetnsTimeoutError } from './errors.js';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Waiter {
  match: (message: unknown) => boolean;
  resolve: (message: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const OUTPUT_CAP = 64 * 1024;

/**
 * A process started by {@link Namespace.spawnNode} (or {@link Namespace.spawn}).
 * Messages the child sends with `process.send` (see {@link sendToParent}) are
 * queued until the parent asks for them with {@link NamespaceChild.nextMessage}.
 *
 * @example
 * ```ts
 * const server = ns.spawnNode(new URL('./server-child.ts', import.meta.url), []);
 * const ready = await server.nextMessage(isReady, 5_000);
 * ```
 */
export class NamespaceChild {
  readonly exited: Promise<ChildExit>;
  private readonly queue: unknown[] = [];
  private readonly waiters = new Set<Waiter>();
  private out = '';
  private err = '';
  private exit: ChildExit | undefined;

  constructor(
    /** The namespace the child runs in. */
    readonly namespace: string,
    /** The underlying Node child process. */
    readonly process: ChildProcess,
  ) {
    process.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.out = (this.out + chunk).slice(-OUTPUT_CAP);
    });
    process.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.err = (this.err + chunk).slice(-OUTPUT_CAP);
    });
    process.on('message', (message: unknown) => this.deliver(message));
    this.exited = new Promise((resolve) => {
      process.once('error', (error) => {
        this.err += `\nspawn failed: ${error.message}`;
        this.finish({ code: null, signal: null }, resolve);
      });
      process.once('exit', (code, signal) => this.finish({ code, signal }, resolve));
    });
  }

  /** What the child wrote to stdout so far (the last 64 KiB). */
  get stdout(): string {
    return this.out;
  }

  /** What the child wrote to stderr so far (the last 64 KiB). */
  get stderr(): string {
    return this.err;
  }

  /** Send a message to the child (it receives it with `process.on('message')`). */
  send(message: unknown): void {
    this.process.send(message as object);
  }

  /**
   * Resolve with the first queued or future message that `match` accepts
   * (any message without `match`); reject if the child exits first or
   * nothing matches within `timeoutMs` (default 10 s).
   */
  nextMessage<T>(match: (message: unknown) => message is T, timeoutMs?: number): Promise<T>;
  nextMessage(match?: (message: unknown) => boolean, timeoutMs?: number): Promise<unknown>;
  nextMessage(match: (message: unknown) => boolean = () => true, timeoutMs = 10_000): Promise<unknown> {
    const index = this.queue.findIndex(match);
    if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0]);
    if (this.exit) return Promise.reject(this.exitError());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new NetnsTimeoutError(this.namespace, timeoutMs, this.err));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /**
   * Remove and return every message already queued that `match` accepts
   * (all of them without `match`), without waiting for more.
   */
  takeQueued<T>(match: (message: unknown) => message is T): T[];
  takeQueued(match?: (message: unknown) => boolean): unknown[];
  takeQueued(match: (message: unknown) => boolean = () => true): unknown[] {
    const taken: unknown[] = [];
    for (let i = 0; i < this.queue.length;) {
      if (match(this.queue[i])) taken.push(...this.queue.splice(i, 1));
      else i += 1;
    }
    return taken;
  }

  /** Signal the child (SIGTERM by default) and wait for it to exit. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<ChildExit> {
    if (!this.exit) this.process.kill(signal);
    return this.exited;
  }

  private deliver(message: unknown): void {
    for (const waiter of this.waiters) {
      if (waiter.match(message)) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve(message);
        return;
      }
    }
    this.queue.push(message);
  }

  private finish(exit: ChildExit, resolve: (exit: ChildExit) => void): void {
    if (this.exit) return;
    this.exit = exit;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(this.exitError());
    }
    this.waiters.clear();
    resolve(exit);
  }

  private exitError(): NetnsChildExitError {
    return new NetnsChildExitError(this.namespace, this.exit?.code ?? null, this.exit?.signal ?? null, this.err);
  }
}
