// Lesson 17: the kernel completes handshakes into the accept queue before the
// server calls accept(); once the queue is full, SYNs are dropped and clients wait for retransmissions.
import { check, defineLesson, formatMs, table, withFlags } from '@connlab/lab';
import type { Check, LessonResult, Measurement, WaterfallFigure } from '@connlab/lab';
import { CLASSIC_SCHEDULE_S, NOTES_BACKLOG, run, synRetransmitTimes } from './experiment.js';
import type { AbortResult, OverflowResult, RunOptions, RunResult } from './experiment.js';

const range = (values: readonly number[], format: (v: number) => string = formatMs) => {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi || format(lo) === format(hi) ? format(lo) : `${format(lo)}–${format(hi)}`;
};

/** How far a late connect may land from its predicted SYN retransmission: timer slack, not another retransmission. */
export const SCHEDULE_TOLERANCE_MS = { early: 100, late: 400 } as const;

/** The checks on one overflow run (host or namespace). */
export function overflowChecks(r: OverflowResult, where: string): Check[] {
  const lateMs = r.late.map((c) => c.connectMs);
  const retransmits = r.late.map((c) => c.synRetransmits);
  const checks: Check[] = [
    check(
      `${where}: connect() returned before accept() for the ${r.backlog + 1} queued clients`,
      Math.max(...r.early.map((c) => c.connectMs)) < 100 && Math.min(...r.waitedMs) >= r.resumeAfterMs / 2,
      `connect ${range(r.early.map((c) => c.connectMs))}, then ${range(r.waitedMs)} in the queue`,
    ),
    check(
      `${where}: the LISTEN socket's Recv-Q reached backlog + 1 = ${r.backlog + 1}`,
      r.queue.queued === r.backlog + 1,
      `Recv-Q ${r.queue.queued}, Send-Q ${r.queue.limit ?? '?'}`,
    ),
    check(
      `${where}: ListenOverflows grew by ≥ ${r.extra} × ${r.predicted.retransmits} dropped SYNs`,
      r.overflows >= r.extra * r.predicted.retransmits && r.drops >= r.overflows,
      `ListenOverflows +${r.overflows}, ListenDrops +${r.drops}`,
    ),
    check(
      `${where}: the ${r.extra} late clients connected at SYN retransmission #${r.predicted.retransmits} (${formatMs(r.predicted.connectMs)})`,
      r.late.every(
        (c) =>
          !c.error &&
          c.synRetransmits === r.predicted.retransmits &&
          c.connectMs >= r.predicted.connectMs - SCHEDULE_TOLERANCE_MS.early &&
          c.connectMs <= r.predicted.connectMs + SCHEDULE_TOLERANCE_MS.late,
      ),
      `${range(lateMs)}, ${range(retransmits, String)} retransmitted SYNs`,
    ),
  ];
  return checks;
}

/** The checks on the tcp_abort_on_overflow pair. */
export function abortChecks(results: readonly AbortResult[]): Check[] {
  const off = results.find((r) => r.abortOnOverflow === 0);
  const on = results.find((r) => r.abortOnOverflow === 1);
  return [
    check(
      'tcp_abort_on_overflow=0: the completing ACK is dropped, the client retransmits and is served once there is room',
      off !== undefined && off.error === undefined && off.servedAfterMs !== undefined && off.servedAfterMs >= off.resumeAfterMs / 2,
      off?.servedAfterMs === undefined
        ? `not served${off?.error ? `: ${off.error}` : ''}`
        : `served ${formatMs(off.servedAfterMs)} after its request, no error`,
    ),
    check(
      'tcp_abort_on_overflow=1: the client gets a reset at once',
      on?.error === 'ECONNRESET' && (on.errorAfterMs ?? Infinity) < 200,
      on?.error ? `${on.error} after ${formatMs(on.errorAfterMs ?? Number.NaN)}` : 'no error',
    ),
  ];
}

function timelineFigure(r: OverflowResult): WaterfallFigure {
  return {
    kind: 'waterfall',
    title: `Clients of a server stuck for ${formatMs(r.stuckMs)}, listen backlog ${r.backlog}`,
    unit: 'ms',
    rows: r.timeline.map((t, i) => ({
      label: i <= r.backlog ? `client ${i + 1} (queued)` : `client ${i + 1} (queue full)`,
      spans: [
        { start: t.startMs, end: t.connectedMs, phase: 'connect()' },
        { start: t.connectedMs, end: t.acceptedMs, phase: 'in the accept queue' },
      ],
    })),
  };
}

function overflowLines(r: OverflowResult, where: string): string[] {
  const schedule = synRetransmitTimes(r.linearTimeouts, 6).map((t) => t / 1000);
  return [
    `${where}: listen({ backlog: ${r.backlog} }); the server stops calling accept() and resumes ${formatMs(r.resumeAfterMs)} after the late clients' SYNs; tcp_syn_linear_timeouts = ${r.linearTimeouts}, so SYN retransmissions leave at ${schedule.join(', ')} s.`,
    '',
    ...table(
      ['client', 'connect()', 'SYNs retransmitted', 'then waited for accept()'],
      [
        ...r.early.map((c, i) => [`${i + 1} (queued)`, formatMs(c.connectMs), c.synRetransmits, formatMs(r.waitedMs[i] ?? Number.NaN)]),
        ...r.late.map((c, i) => [`${r.backlog + i + 2} (queue full)`, c.error ?? formatMs(c.connectMs), c.synRetransmits, '—']),
      ],
    ),
    '',
    `LISTEN socket with ${r.backlog + 1} waiting: Recv-Q ${r.queue.queued} (from /proc/net/tcp), Send-Q ${r.queue.limit ?? '? (no ss)'} (ss: the queue's limit, the backlog).`,
    `/proc/net/netstat TcpExt: ListenOverflows +${r.overflows}, ListenDrops +${r.drops} (+${r.overflowsAtFirst} within 300 ms of the ${r.extra} late SYNs).`,
  ];
}

function abortLines(results: readonly AbortResult[]): string[] {
  return [
    `tcp_abort_on_overflow, with a handshake that completes while the queue is full (TCP_DEFER_ACCEPT holds the late client until it sends; backlog ${results[0]?.backlog ?? '?'}, the server resumes ${formatMs(results[0]?.resumeAfterMs ?? Number.NaN)} after the request):`,
    '',
    ...table(
      ['tcp_abort_on_overflow', 'connect()', 'after the request', 'ListenOverflows'],
      results.map((r) => [
        r.abortOnOverflow,
        formatMs(r.lateConnectMs),
        r.error
          ? `${r.error} after ${formatMs(r.errorAfterMs ?? Number.NaN)}`
          : r.servedAfterMs === undefined
            ? 'no answer'
            : `served after ${formatMs(r.servedAfterMs)}`,
        `+${r.overflows}`,
      ]),
    ),
  ];
}

/** Turn the measurements into the lesson's printout and its checks. */
export function toLessonResult(result: RunResult): LessonResult {
  const { host, namespace } = result;
  const lines = overflowLines(host, 'Loopback');
  const checks = overflowChecks(host, 'loopback');
  if (namespace) {
    lines.push('', ...overflowLines(namespace.classic, 'Private namespace'), '', ...abortLines(namespace.abort));
    checks.push(...overflowChecks(namespace.classic, 'namespace, exponential backoff'), ...abortChecks(namespace.abort));
  }
  const late = host.late[0];
  const measurements: Measurement[] = [
    {
      label: `accept queue of listen({ backlog: ${host.backlog} }), LISTEN Recv-Q`,
      value: host.queue.queued,
      unit: '',
      textbook: `listen(${NOTES_BACKLOG}) in the notes: the queue holds about that many (Linux: backlog + 1)`,
    },
    {
      label: 'connect() while the server was not accepting',
      value: Math.max(...host.early.map((c) => c.connectMs)),
      unit: 'ms',
      textbook: 'the kernel completes the handshake; accept() only takes it from the queue',
    },
    {
      label: 'connect() once the queue was full',
      value: late?.connectMs ?? Number.NaN,
      unit: 'ms',
      textbook: `SYN retransmitted at ${CLASSIC_SCHEDULE_S.join(', ')} s (RFC 6298)`,
    },
    { label: 'ListenOverflows during the run', value: host.overflows, unit: '', textbook: 'one per SYN dropped at a full queue' },
  ];
  const classicLate = namespace?.classic.late[0];
  if (classicLate)
    measurements.push({
      label: 'connect() once full, tcp_syn_linear_timeouts=0',
      value: classicLate.connectMs,
      unit: 'ms',
      textbook: `SYN retransmitted at ${CLASSIC_SCHEDULE_S.join(', ')} s`,
    });
  return {
    checks,
    lines,
    figures: [timelineFigure(host)],
    measurements,
    ...(result.skipped ? { skipped: result.skipped } : {}),
  };
}

/** The lesson's default run; `quick` keeps the server stuck for less time. */
export function lessonOptions(quick: boolean): RunOptions {
  return {
    // Half-way between retransmissions: 1.5 s lands on the one at 2 s (linear) or 3 s (classic); 3.5 s on the one at 4 s.
    overflow: { backlog: 4, extra: 3, resumeAfterMs: quick ? 1500 : 3500 },
    classic: { backlog: 4, extra: 3, resumeAfterMs: 1500 },
    abort: { backlog: 4, resumeAfterMs: 800 },
  };
}

export const lesson = defineLesson({
  number: 17,
  slug: 'accept-backlog',
  title: 'The accept queue and the listen backlog',
  effect: 'connect() completes before accept(); a full accept queue drops SYNs, and the client waits for a SYN retransmission',
  needsRoot: 'part',
  flags: {
    backlog: {
      type: 'int',
      min: 1,
      max: 64,
      help: 'listen({ backlog }) of the stuck server (default 4; Node reads 0 as its default, 511)',
    },
    resumeMs: {
      type: 'int',
      min: 400,
      max: 20_000,
      help: 'when the stuck server calls accept() again, ms after the late SYNs (default 3500, 1500 with --quick)',
    },
    extra: { type: 'int', min: 1, max: 20, help: 'clients that arrive once the queue is full (default 3)' },
  },
  async run(ctx) {
    const options = lessonOptions(ctx.quick);
    const { backlog, resumeMs, extra } = ctx.flags ?? {};
    options.overflow = withFlags(options.overflow, { backlog, extra, resumeAfterMs: resumeMs });
    return toLessonResult(await run(options, ctx.progress));
  },
});
