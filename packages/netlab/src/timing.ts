// Where one HTTP transaction's time goes, phase by phase, as curl -w and
// httpstat show it: each mark is a moment, each phase the time between two.
import { NetlabError } from './errors.js';

/**
 * The moments of one transaction, in the order they happen
 * (curl -w: time_namelookup, time_connect, time_pretransfer, time_starttransfer, time_total).
 */
export const TIMING_MARKS = ['start', 'dnsDone', 'connected', 'requestWritten', 'firstByte', 'lastByte'] as const;
export type TimingMark = (typeof TIMING_MARKS)[number];

/** The phase that ends at each mark (the notes' resolution, connection, transfer and processing delays). */
export const TIMING_PHASES = ['dns', 'connect', 'send', 'wait', 'receive'] as const;
export type TimingPhase = (typeof TIMING_PHASES)[number];

/** Human names for the phases, for legends and tables. */
export const PHASE_LABELS: Record<TimingPhase, string> = {
  dns: 'DNS lookup',
  connect: 'TCP connect',
  send: 'request sent',
  wait: 'waiting (server + 1 RTT)',
  receive: 'content transfer',
};

/** One timed transaction. All times are ms; marks are relative to `start`. */
export interface TimingResult {
  label: string;
  /** True when the request went out on an already-open connection (no DNS, no connect). */
  reused: boolean;
  /** How the host was resolved: 'resolver' (a name), 'literal' (an IP address), 'none' (reused socket). */
  lookup: 'resolver' | 'literal' | 'none';
  /** Absolute start time on the timer's clock, to line several transactions up on one axis. */
  startedAt: number;
  marks: Record<TimingMark, number>;
  /** Duration of each phase; they add up to `total` exactly. */
  phases: Record<TimingPhase, number>;
  total: number;
  /** Free-form facts: remote address, status, bytes. */
  details: Record<string, string | number>;
}

/**
 * Records the marks of one transaction. Marks must come in order; a mark that
 * never happens (no DNS for an IP literal, no connect on a reused socket) is
 * filled with the previous one, so its phase is zero.
 *
 * @example
 * const timer = new TransactionTimer('GET /');
 * const address = await lookup(host); timer.mark('dnsDone');
 * socket.on('connect', () => timer.mark('connected'));
 * ...
 * const result = timer.finish();  // result.phases.connect ≈ 1 RTT
 */
export class TransactionTimer {
  readonly startedAt: number;
  private readonly at = new Map<TimingMark, number>();
  private last: TimingMark = 'start';
  private reusedSocket = false;
  private lookupKind: TimingResult['lookup'] = 'resolver';
  private readonly detailValues: Record<string, string | number> = {};

  constructor(
    readonly label = 'transaction',
    private readonly clock: () => number = defaultClock,
  ) {
    this.startedAt = clock();
    this.at.set('start', this.startedAt);
  }

  /** Record `mark` now (or at `when`, on the same clock). Throws NETLAB_TIMING when out of order. */
  mark(mark: Exclude<TimingMark, 'start'>, when: number = this.clock()): this {
    const index = TIMING_MARKS.indexOf(mark);
    const lastIndex = TIMING_MARKS.indexOf(this.last);
    if (index <= lastIndex) {
      throw new NetlabError(
        'NETLAB_TIMING',
        `${this.label}: mark "${mark}" came after "${this.last}"; marks go ${TIMING_MARKS.join(' → ')}`,
      );
    }
    const previous = this.at.get(this.last)!;
    if (when < previous) {
      throw new NetlabError('NETLAB_TIMING', `${this.label}: mark "${mark}" at ${when} is earlier than "${this.last}" at ${previous}`);
    }
    this.at.set(mark, when);
    this.last = mark;
    return this;
  }

  /** Say that the request used an already-open connection (and so no lookup). */
  reused(reused = true): this {
    this.reusedSocket = reused;
    if (reused) this.lookupKind = 'none';
    return this;
  }

  /** Say how the name was resolved. */
  lookup(kind: TimingResult['lookup']): this {
    this.lookupKind = kind;
    return this;
  }

  detail(key: string, value: string | number): this {
    this.detailValues[key] = value;
    return this;
  }

  /** Close the record (marks `lastByte` now if it is missing) and compute the phases. */
  finish(when?: number): TimingResult {
    if (this.last !== 'lastByte') this.mark('lastByte', when);
    const marks = {} as Record<TimingMark, number>;
    let previous = 0;
    for (const m of TIMING_MARKS) {
      const t = this.at.get(m);
      previous = t === undefined ? previous : t - this.startedAt;
      marks[m] = previous;
    }
    return {
      label: this.label,
      reused: this.reusedSocket,
      lookup: this.lookupKind,
      startedAt: this.startedAt,
      marks,
      phases: phasesOf(marks),
      total: marks.lastByte,
      details: { ...this.detailValues },
    };
  }
}

function defaultClock(): number {
  return performance.now();
}

/** Phase durations from cumulative marks: each phase ends at its mark. */
export function phasesOf(marks: Record<TimingMark, number>): Record<TimingPhase, number> {
  const out = {} as Record<TimingPhase, number>;
  TIMING_PHASES.forEach((phase, i) => {
    out[phase] = marks[TIMING_MARKS[i + 1]!] - marks[TIMING_MARKS[i]!];
  });
  return out;
}
