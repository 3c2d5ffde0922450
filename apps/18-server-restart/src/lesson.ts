// Lesson 18: a restarted server needs SO_REUSEADDR to bind a port its old
// connections hold in TIME_WAIT; SO_REUSEPORT lets two processes share one port.
import { check, defineLesson, table, withFlags } from '@connlab/lab';
import type { BarsFigure, Check, LessonResult, Measurement } from '@connlab/lab';
import { run } from './experiment.js';
import type { RestartResult, ReusePortResult, RunOptions, RunResult } from './experiment.js';

/** How evenly the kernel must spread connections for the check: each process between these shares. */
export const SPREAD_TOLERANCE = { min: 0.3, max: 0.7 } as const;

function caseLabel(r: RestartResult): string {
  return `${r.oldReuseAddr ? 'Node server' : 'server without SO_REUSEADDR'}, ${r.firstClose} closed first`;
}

const find = (rs: readonly RestartResult[], oldReuseAddr: boolean, firstClose: 'server' | 'client') =>
  rs.find((r) => r.oldReuseAddr === oldReuseAddr && r.firstClose === firstClose);

/** The checks on the three restarts. */
export function restartChecks(restarts: readonly RestartResult[]): Check[] {
  const node = find(restarts, true, 'server');
  const clientFirst = find(restarts, true, 'client');
  const bare = find(restarts, false, 'server');
  return [
    check(
      'server closed first: its TIME_WAIT sockets keep the port',
      node !== undefined && node.timeWait.server === node.connections,
      `${node?.timeWait.server ?? '?'} TIME_WAIT held by the server for ${node?.connections ?? '?'} connections`,
    ),
    check('…so a bind without SO_REUSEADDR fails with EADDRINUSE', node?.withoutReuseAddr === 'EADDRINUSE', node?.withoutReuseAddr ?? '?'),
    check(
      "…and one with SO_REUSEADDR (and Node's listen) succeeds",
      node?.withReuseAddr === 'ok' && node.nodeListen === 'ok',
      `raw ${node?.withReuseAddr ?? '?'}, Node ${node?.nodeListen ?? '?'}`,
    ),
    check(
      "client closed first: the TIME_WAIT is the clients', and even a bind without SO_REUSEADDR succeeds",
      clientFirst !== undefined && clientFirst.timeWait.server === 0 && clientFirst.withoutReuseAddr === 'ok',
      `server TIME_WAIT ${clientFirst?.timeWait.server ?? '?'}, bind ${clientFirst?.withoutReuseAddr ?? '?'}`,
    ),
    check(
      'old listener without SO_REUSEADDR: its TIME_WAIT blocks even a new socket that sets it',
      bare?.withReuseAddr === 'EADDRINUSE' && bare.nodeListen === 'EADDRINUSE',
      `raw with SO_REUSEADDR ${bare?.withReuseAddr ?? '?'}, Node ${bare?.nodeListen ?? '?'}`,
    ),
  ];
}

/** The checks on the shared port. */
export function reusePortChecks(r: ReusePortResult): Check[] {
  const a = r.counts.A ?? 0;
  const b = r.counts.B ?? 0;
  const share = (n: number) => n / r.connections;
  const within = (n: number) => share(n) >= SPREAD_TOLERANCE.min && share(n) <= SPREAD_TOLERANCE.max;
  return [
    check('a listener without SO_REUSEPORT cannot join: EADDRINUSE', r.withoutReusePort === 'EADDRINUSE', r.withoutReusePort),
    check(
      `both processes took ${SPREAD_TOLERANCE.min * 100}–${SPREAD_TOLERANCE.max * 100} % of ${r.connections} connections`,
      a + b === r.connections && within(a) && within(b),
      `A ${a}, B ${b}${r.failed ? `, ${r.failed} failed` : ''}`,
    ),
    check(
      `after A stopped, B answered all ${r.after}, none refused`,
      (r.afterCounts.B ?? 0) === r.after && r.failed === 0,
      `B ${r.afterCounts.B ?? 0}, A ${r.afterCounts.A ?? 0}, failed ${r.failed}`,
    ),
  ];
}

function spreadFigure(r: ReusePortResult): BarsFigure {
  return {
    kind: 'bars',
    title: `${r.connections} connections to one port shared by two processes (SO_REUSEPORT)`,
    unit: '',
    bars: ['A', 'B'].map((name) => ({
      label: `process ${name}`,
      value: r.counts[name] ?? 0,
      note: `${(((r.counts[name] ?? 0) / r.connections) * 100).toFixed(1)} %`,
    })),
  };
}

/** Turn the measurements into the lesson's printout. */
export function toLessonResult(result: RunResult): LessonResult {
  const { restarts, reusePort: rp } = result;
  const lines = [
    `The old server had ${restarts[0]?.connections ?? 0} connections, then stopped; its replacement binds the same port at once:`,
    '',
    ...table(
      ['old server', 'TIME_WAIT server', 'TIME_WAIT clients', 'bind, no SO_REUSEADDR', 'bind, SO_REUSEADDR', 'Node listen()'],
      restarts.map((r) => [caseLabel(r), r.timeWait.server, r.timeWait.client, r.withoutReuseAddr, r.withReuseAddr, r.nodeListen]),
    ),
    '',
    'Node sets SO_REUSEADDR on every listener, so its restarts just work; the "without" column is a raw socket (rawListen in @connlab/tcp-options).',
    '',
    `Two processes, A and B, listen on 127.0.0.1:${rp.port} with SO_REUSEPORT (Node ${process.version}: listen({ reusePort }) ${rp.nodeHasReusePort ? 'exists' : 'needs 22.12+'}; here a raw socket handed over with listen({ fd })).`,
    `A third socket without SO_REUSEPORT: ${rp.withoutReusePort}.`,
    `${rp.connections} connections, one after another: A ${rp.counts.A ?? 0}, B ${rp.counts.B ?? 0}. Then A stops: of ${rp.after} more, B ${rp.afterCounts.B ?? 0}, A ${rp.afterCounts.A ?? 0}, failed ${rp.failed}.`,
  ];
  const node = find(restarts, true, 'server');
  const measurements: Measurement[] = [
    {
      label: 'TIME_WAIT on the old port after the server closed first',
      value: node?.timeWait.server ?? Number.NaN,
      unit: '',
      textbook: 'the side that closes first keeps TIME_WAIT (lesson 6)',
    },
    {
      label: 'share of connections process A took (SO_REUSEPORT)',
      value: ((rp.counts.A ?? 0) / rp.connections) * 100,
      unit: '%',
      textbook: 'the kernel hashes each connection to one listener: about 50 %',
    },
  ];
  return {
    checks: [...restartChecks(restarts), ...reusePortChecks(rp)],
    lines,
    figures: [spreadFigure(rp)],
    measurements,
  };
}

/** The lesson's default run; `quick` makes fewer connections. */
export function lessonOptions(quick: boolean): RunOptions {
  return { connections: 3, reusePort: { connections: quick ? 200 : 1000, after: 20 } };
}

export const lesson = defineLesson({
  number: 18,
  slug: 'server-restart',
  title: 'Restarting a server: SO_REUSEADDR and SO_REUSEPORT',
  effect:
    'a restarted server cannot bind a port its TIME_WAIT sockets hold without SO_REUSEADDR; SO_REUSEPORT shares one port between processes',
  needsRoot: 'no',
  flags: {
    connections: {
      type: 'int',
      min: 1,
      max: 10_000,
      help: 'connections to the two SO_REUSEPORT processes (default 1000, 200 with --quick)',
    },
    oldConnections: { type: 'int', min: 1, max: 1000, help: 'connections the old server had before its restart (default 3)' },
  },
  async run(ctx) {
    const options = lessonOptions(ctx.quick);
    const { connections, oldConnections } = ctx.flags ?? {};
    return toLessonResult(
      await run(
        {
          connections: oldConnections ?? options.connections,
          reusePort: withFlags(options.reusePort, { connections }),
        },
        ctx.progress,
      ),
    );
  },
});
