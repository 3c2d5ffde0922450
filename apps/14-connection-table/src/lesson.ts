// Lesson 14: the server's connection table and the sweep that closes idle connections.
import { check, defineLesson, formatMs, table, withFlags } from '@connlab/lab';
import type { Check, LessonResult, WaterfallFigure } from '@connlab/lab';
import { clientHabits, defaultOptions, quickOptions, run } from './experiment.js';
import type { ClientLife, ClientName, Closed, RunResult, TableRow } from './experiment.js';

/** How late a FIN may come after its deadline before we call the sweep late (timer and event-loop noise on a busy machine). */
export function sweepSlackMs(timeoutMs: number): number {
  return Math.max(250, timeoutMs / 2);
}

const SWEPT: readonly ClientName[] = ['burst', 'silent', 'late'];

/** One swept connection: when the server's deadline was and when its FIN reached the client. */
export interface SweepTiming {
  client: ClientName;
  reason: Closed['reason'];
  deadlineAt: number | null;
  finAt: number | null;
  /** finAt − deadlineAt. */
  lateByMs: number;
}

export function sweepTimings(r: RunResult): SweepTiming[] {
  return r.closed
    .filter((c) => c.client !== '?')
    .map((c) => {
      const life = r.clients.find((l) => l.client === c.client);
      const finAt = life?.finAt ?? null;
      return {
        client: c.client as ClientName,
        reason: c.reason,
        deadlineAt: c.deadlineAt,
        finAt,
        lateByMs: finAt !== null && c.deadlineAt !== null ? finAt - c.deadlineAt : Number.NaN,
      };
    });
}

/** Each claim of the lesson, judged from the run. */
export function verdicts(r: RunResult): Check[] {
  const T = r.options.keepAliveTimeoutMs;
  const timings = sweepTimings(r);
  const closedAs = (client: ClientName) => r.closed.find((c) => c.client === client);
  const life = (client: ClientName): ClientLife | undefined => r.clients.find((c) => c.client === client);
  const last = r.snapshots[r.snapshots.length - 1];
  const steadyRow = last?.rows.find((x) => x.client === 'steady');
  // The table's request count matches what the client received at that instant (one may be in flight).
  const countsMatch = r.snapshots.every((s) =>
    s.rows.every((row) => {
      if (row.client === '?') return false;
      const seen = s.clientResponses[row.client] ?? 0;
      return Math.abs(row.requestsServed - seen) <= 1;
    }),
  );
  const sweptOnTime = SWEPT.every((client) => {
    const t = timings.find((x) => x.client === client);
    return !!t && t.reason === 'idle-timeout' && t.lateByMs >= -5 && t.lateByMs <= sweepSlackMs(T);
  });
  // Present while alive, gone from every snapshot taken after its FIN.
  const tableFollows = SWEPT.every((client) => {
    const fin = life(client)?.finAt ?? Number.POSITIVE_INFINITY;
    return (
      r.snapshots.every((s) => s.at <= fin + 5 || !s.rows.some((row) => row.client === client)) &&
      r.snapshots.some((s) => s.rows.some((row) => row.client === client))
    );
  });
  const burstServed = r.snapshots[0]?.rows.find((x) => x.client === 'burst')?.requestsServed ?? 0;
  const late = SWEPT.map((client) => {
    const t = timings.find((x) => x.client === client);
    return `${client} ${t ? `${t.reason}, ${formatMs(t.lateByMs)} after` : 'not closed'}`;
  }).join('; ');
  return [
    check(
      'the table counts the requests each connection served',
      countsMatch && burstServed === 3,
      `burst ${burstServed} in the first snapshot; counts ${countsMatch ? 'match' : 'do NOT match'} the clients'`,
    ),
    check(
      'the steady client is never swept',
      !!steadyRow && closedAs('steady')?.reason !== 'idle-timeout' && steadyRow.requestsServed >= 3,
      `${steadyRow?.requestsServed ?? 0} served, closed as ${closedAs('steady')?.reason ?? '—'}`,
    ),
    check(`idle connections are closed at their deadline (−5 ms … +${formatMs(sweepSlackMs(T))})`, sweptOnTime, late),
    check(
      'a closed connection leaves the table',
      tableFollows,
      tableFollows ? 'gone from every later snapshot' : 'still listed after its FIN (or never listed)',
    ),
    check(
      'a half-sent head is closed by the header timer with 408',
      closedAs('slow-head')?.reason === 'header-timeout' && life('slow-head')?.lastStatus === 408,
      `${closedAs('slow-head')?.reason ?? 'not closed'}, status ${life('slow-head')?.lastStatus ?? '—'}`,
    ),
  ];
}

function rowCells(at: number, row: TableRow): (string | number)[] {
  return [
    formatMs(at),
    row.client,
    row.id,
    row.state,
    row.requestsServed,
    formatMs(row.idleMs),
    row.timer ?? '—',
    row.expiresInMs === null ? '—' : formatMs(row.expiresInMs),
  ];
}

function lifetimes(r: RunResult): WaterfallFigure {
  return {
    kind: 'waterfall',
    title: `Each client's connection, keep-alive timeout ${formatMs(r.options.keepAliveTimeoutMs)}, header timeout ${formatMs(r.options.headersTimeoutMs)}`,
    unit: 'ms',
    rows: r.clients.map((c) => {
      const closed = r.closed.find((x) => x.client === c.client);
      const end = c.finAt ?? r.options.durationMs;
      const lastResponse = c.client === 'slow-head' ? c.connectedAt : (c.responseTimes[c.responseTimes.length - 1] ?? c.connectedAt);
      const spans = [];
      if (closed?.reason === 'idle-timeout' || closed?.reason === 'header-timeout') {
        if (lastResponse > c.connectedAt) spans.push({ start: c.connectedAt, end: lastResponse, phase: 'requests' });
        spans.push({
          start: lastResponse,
          end,
          phase: closed.reason === 'idle-timeout' ? 'idle until the sweep' : 'head incomplete until the header timer',
        });
      } else {
        spans.push({ start: c.connectedAt, end, phase: 'requests (never idle for a whole timeout)' });
      }
      return { label: `${c.client} (${c.responses} served)`, spans };
    }),
  };
}

/** Turn the run into the lesson's printout. */
export function toLessonResult(r: RunResult): LessonResult {
  const T = r.options.keepAliveTimeoutMs;
  const timings = sweepTimings(r);
  const swept = timings.filter((t) => t.reason === 'idle-timeout');
  const worstLate = swept.length ? Math.max(...swept.map((t) => t.lateByMs)) : Number.NaN;
  const burst = r.clients.find((c) => c.client === 'burst');
  const slow = r.clients.find((c) => c.client === 'slow-head');
  const steadyFinal = r.snapshots[r.snapshots.length - 1]?.rows.find((x) => x.client === 'steady');

  const lines: string[] = [
    `Server: @connlab/http, keepAliveTimeoutMs=${T}, headersTimeoutMs=${r.options.headersTimeoutMs}. Five raw-socket clients:`,
    ...Object.entries(clientHabits).map(([name, habit]) => `  ${name.padEnd(9)} ${habit}`),
    '',
    "The table below the text is server.connections() at a few instants (t = ms since the start; 'expires in' = the running timer's deadline − t).",
    '',
    'What the server closed, and when the client saw the FIN:',
    ...table(
      ['client', 'reason', 'served', 'deadline', 'FIN seen', 'FIN − deadline'],
      r.closed.map((c) => {
        const t = timings.find((x) => x.client === c.client);
        const timed = c.reason === 'idle-timeout' || c.reason === 'header-timeout';
        return [
          c.client,
          c.reason,
          c.requestsServed,
          timed && c.deadlineAt !== null ? formatMs(c.deadlineAt) : '—',
          t?.finAt == null ? '—' : formatMs(t.finAt),
          timed && t && !Number.isNaN(t.lateByMs) ? formatMs(t.lateByMs) : '—',
        ];
      }),
    ),
    '',
    `Timer firings (the server's 'sweep' events): ${r.sweeps.map((s) => `${s.timer} at ${formatMs(s.at)}${s.expired > 1 ? ` (${s.expired} connections)` : ''}`).join(', ') || 'none'}.`,
  ];

  const tableRows = r.snapshots.flatMap((s) => s.rows.map((row) => rowCells(s.at, row)));
  return {
    checks: verdicts(r),
    lines,
    figures: [
      {
        kind: 'table',
        title: 'The connection table over time',
        columns: ['t', 'client', 'id', 'state', 'served', 'idle', 'timer', 'expires in'],
        rows: tableRows,
      },
      lifetimes(r),
    ],
    measurements: [
      {
        label: 'requests served by the steady client (last table)',
        value: steadyFinal?.requestsServed ?? 0,
        unit: '',
        textbook: 'req_number, counted per connection',
      },
      {
        label: 'idle connections closed by the sweep',
        value: swept.length,
        unit: `of ${SWEPT.length}`,
        textbook: 'a periodic task closes those past the timeout',
      },
      {
        label: 'burst client: FIN after its last response',
        value:
          burst?.finAt != null && burst.responseTimes.length
            ? burst.finAt - burst.responseTimes[burst.responseTimes.length - 1]!
            : Number.NaN,
        unit: 'ms',
        textbook: `the keep-alive timeout (${formatMs(T)} here)`,
      },
      {
        label: 'FIN after the deadline, worst idle connection',
        value: worstLate,
        unit: 'ms',
        textbook: 'up to one polling period when a task polls',
      },
      {
        label: 'half-sent head closed after',
        value: slow?.finAt != null ? slow.finAt - slow.connectedAt : Number.NaN,
        unit: 'ms',
        textbook: `header timeout (${formatMs(r.options.headersTimeoutMs)} here; not in the notes)`,
      },
    ],
  };
}

export const lesson = defineLesson({
  number: 14,
  slug: 'connection-table',
  title: "The server's connection table",
  effect:
    'the live table shows requests served, idle time and deadline per connection, and the sweep closes each idle one at its deadline while a busy one stays',
  needsRoot: 'no',
  flags: {
    keepAliveTimeoutMs: {
      type: 'int',
      min: 100,
      max: 30_000,
      help: "the server's keep-alive timeout, ms (default 1500, 800 with --quick)",
    },
    headersTimeoutMs: { type: 'int', min: 100, max: 30_000, help: "the server's header timeout, ms (default 1000, 500 with --quick)" },
    steadyGapMs: {
      type: 'int',
      min: 0,
      max: 30_000,
      help: "the steady client's pause between requests, ms (default a third of the keep-alive timeout)",
    },
    maxRequestsPerConnection: { type: 'int', min: 0, max: 1000, help: "the server's maxRequestsPerConnection (default 0: no limit)" },
  },
  async run(ctx) {
    const options = withFlags(
      { ...(ctx.quick ? quickOptions : defaultOptions), steadyGapMs: undefined, maxRequestsPerConnection: undefined },
      ctx.flags,
    );
    ctx.progress(`five clients, ${options.snapshotsAt.length} snapshots of server.connections() over ${formatMs(options.durationMs)}`);
    return toLessonResult(await run(options));
  },
});
