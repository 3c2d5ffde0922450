// Phases of one request, from the connection's timestamps.
import type { AttemptMarks } from './client-connection.js';

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
 * Turn an attempt's marks into phases; earlier failed attempts become one
 * `failed-attempt` span. With `failedAt`, the attempt itself failed: the time
 * from sending (or from the previous response) to the failure is `no-answer`.
 */
export function attemptPhases(start: number, failed: readonly AttemptMarks[], m: AttemptMarks, connectionId: number, failedAt?: number): RequestTiming {
  const phases: TimingPhase[] = [];
  const push = (phase: TimingPhase['phase'], a: number | undefined, b: number | undefined): void => {
    if (a === undefined || b === undefined || b < a) return;
    phases.push({ phase, start: a, end: b });
  };
  let t = start;
  const lastFailed = failed[failed.length - 1];
  if (lastFailed) {
    const failedEnd = m.assigned;
    push('failed-attempt', start, failedEnd);
    t = failedEnd;
  }
  const connectStart = m.connectStart ?? m.sendStart;
  push('queued', t, connectStart);
  push('connect', m.connectStart, m.connectEnd);
  const sendEnd = m.sendEnd ?? m.sendStart;
  push('send', m.sendStart, sendEnd);
  const waitFrom = m.previousDone !== undefined && sendEnd !== undefined && m.previousDone > sendEnd ? m.previousDone : sendEnd;
  push('blocked', sendEnd, waitFrom);
  // On one read a response can end and the next begin: count the next from the end of the first.
  const firstByte = m.firstByte !== undefined && waitFrom !== undefined ? Math.max(m.firstByte, waitFrom) : m.firstByte;
  if (failedAt !== undefined && firstByte === undefined) {
    push('no-answer', waitFrom ?? connectStart ?? t, failedAt);
  } else {
    push('wait', waitFrom, firstByte);
    push('receive', firstByte, m.end ?? failedAt);
  }
  const end = m.end ?? failedAt ?? performance.now();
  return { start, end, totalMs: end - start, phases, connectionId };
}
