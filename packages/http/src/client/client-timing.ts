// Phases of one request, from the connection's timestamps.

/** Timestamps (performance.now(), ms) of one attempt of a request. */
export interface AttemptMarks {
  /** When the connection was asked to carry it. */
  assigned: number;
  connectStart?: number;
  connectEnd?: number;
  sendStart?: number;
  /** The kernel accepted the last byte of the request. */
  sendEnd?: number;
  /** The response before this one on the same connection completed (pipelining). */
  previousDone?: number;
  firstByte?: number;
  end?: number;
}

/** A named stretch of a request's life, in performance.now() milliseconds. */
export interface TimingPhase {
  phase: 'queued' | 'connect' | 'send' | 'blocked' | 'wait' | 'receive' | 'failed-attempt' | 'no-answer';
  start: number;
  end: number;
}

/** Where a request's time went. */
export interface RequestTiming {
  /** performance.now() when request() was called. */
  start: number;
  /** performance.now() when the response was complete. */
  end: number;
  /** end - start. */
  totalMs: number;
  /** Contiguous phases; `blocked` is time spent behind earlier pipelined responses. */
  phases: TimingPhase[];
  connectionId: number;
}

/**
 * Turn an attempt's marks into contiguous phases (each starts where the one
 * before it ended); earlier failed attempts become one `failed-attempt` span.
 * With `failedAt`, the attempt itself failed: the time from sending (or from
 * the previous response) to the failure is `no-answer`.
 */
export function attemptPhases(
  start: number,
  failed: readonly AttemptMarks[],
  m: AttemptMarks,
  connectionId: number,
  failedAt?: number,
): RequestTiming {
  const phases: TimingPhase[] = [];
  let t = start;
  // Close the phase running since t at `at` (never earlier than t; an absent mark closes nothing).
  const until = (phase: TimingPhase['phase'], at: number | undefined): void => {
    if (at === undefined) return;
    const end = Math.max(at, t);
    if (end > t) phases.push({ phase, start: t, end });
    t = end;
  };
  if (failed.length > 0) until('failed-attempt', m.assigned);
  until('queued', m.connectStart ?? m.sendStart);
  until('connect', m.connectEnd);
  until('send', m.sendEnd ?? m.sendStart);
  if (m.previousDone !== undefined && m.previousDone > t) until('blocked', m.previousDone);
  if (failedAt !== undefined && m.firstByte === undefined) {
    until('no-answer', failedAt);
  } else {
    until('wait', m.firstByte);
    until('receive', m.end ?? failedAt);
  }
  const end = Math.max(t, m.end ?? failedAt ?? performance.now());
  return { start, end, totalMs: end - start, phases, connectionId };
}

/**
 * The part of netlab's `TransactionTimer` (packages/netlab/src/timing.ts)
 * the client drives. Structural, so @connlab/http does not load netlab (and
 * its FFI) just to time requests; pass netlab's class through
 * `ClientOptions.timer` and every response carries its `TimingResult`.
 */
export interface TransactionTimerLike<R> {
  mark(mark: 'dnsDone' | 'connected' | 'requestWritten' | 'firstByte' | 'lastByte', when?: number): unknown;
  reused(reused?: boolean): unknown;
  lookup(kind: 'resolver' | 'literal' | 'none'): unknown;
  detail(key: string, value: string | number): unknown;
  finish(when?: number): R;
}

/**
 * Makes a timer for one attempt that started at `startedAt` (performance.now()).
 *
 * @example
 * import { TransactionTimer } from '@connlab/netlab';
 * const client = new HttpClient({ timer: (label, at) => new TransactionTimer(label, () => at) });
 * const res = await client.request({ origin, path: '/' });
 * res.transaction?.phases.connect;  // ms, netlab's phases: dns, connect, send, wait, receive
 */
export type TimerFactory<R> = (label: string, startedAt: number) => TransactionTimerLike<R>;

/**
 * Replay an answered attempt's marks into a netlab-style timer: it starts
 * when the request was handed to its connection (queue time is in
 * `RequestTiming`), `connected` only on a new connection, `wait` includes
 * time behind earlier pipelined responses.
 */
export function replayMarks<R>(
  factory: TimerFactory<R>,
  label: string,
  m: AttemptMarks,
  reused: boolean,
  details: Record<string, string | number>,
): R {
  const timer = factory(label, m.assigned);
  timer.lookup(reused ? 'none' : 'literal');
  if (reused) timer.reused();
  let last = m.assigned;
  const at = (t: number | undefined): number => (last = Math.max(last, t ?? last));
  if (!reused && m.connectEnd !== undefined) timer.mark('connected', at(m.connectEnd));
  timer.mark('requestWritten', at(m.sendEnd ?? m.sendStart));
  timer.mark('firstByte', at(Math.max(m.firstByte ?? 0, m.previousDone ?? 0)));
  for (const [key, value] of Object.entries(details)) timer.detail(key, value);
  return timer.finish(at(m.end));
}
