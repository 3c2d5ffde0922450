// Lesson 16: keep-alive saves connections, accept/close work and TIME_WAIT, but idle connections cost memory.
import { check, defineLesson, formatBytes, formatMs, table, withFlags } from '@connlab/lab';
import type { Check, LessonResult } from '@connlab/lab';
import { defaultOptions, quickOptions, run } from './experiment.js';
import type { RunResult, Way, WayResult } from './experiment.js';

/** The comparisons the lesson makes, from one run. */
export interface Comparison {
  /** keep-alive requests/s ÷ close requests/s. */
  speedup: number;
  /** TIME_WAIT sockets left by the close way ÷ by the keep-alive way (null where not countable). */
  timeWaitRatio: number | null;
  /** accept() calls, close way ÷ keep-alive way. */
  acceptRatio: number;
}

export function compare(r: RunResult): Comparison | null {
  const ka = r.ways.find((w) => w.way === 'keep-alive');
  const cl = r.ways.find((w) => w.way === 'close');
  if (!ka || !cl) return null;
  return {
    speedup: ka.perSecond / cl.perSecond,
    timeWaitRatio: ka.timeWait && cl.timeWait ? cl.timeWait.total / Math.max(ka.timeWait.total, 1) : null,
    acceptRatio: cl.accepted / Math.max(ka.accepted, 1),
  };
}

/**
 * Idle connections cost memory: the heap grows by about the same amount per
 * connection in each half (a steady per-connection cost, well above the
 * noise of two readings), and each holds a kernel socket: one fd per connection.
 */
export function memoryChecks(m: RunResult['memory']): Check[] {
  const [first, second] = [m.heapPerConnectionFirstHalf, m.heapPerConnectionSecondHalf];
  const growth = m.heapAfter - m.heapBefore;
  const checks = [
    check(
      'idle connections cost heap steadily: the second half of them 0.5–2× the first half per connection',
      first > 0 && second >= 0.5 * first && second <= 2 * first,
      `${formatBytes(Math.round(first))} vs ${formatBytes(Math.round(second))} per connection`,
    ),
    check(
      'heap growth with the idle connections > 10× the noise of two readings with none opened',
      growth > 10 * m.heapNoise,
      `${formatBytes(growth)} vs noise ${formatBytes(m.heapNoise)}`,
    ),
  ];
  if (m.fdsBefore !== null && m.fdsAfter !== null) {
    const fds = m.fdsAfter - m.fdsBefore;
    checks.push(
      check(
        `each idle connection holds a kernel socket in the server: fds grew by ${m.connections} ± 2 %`,
        Math.abs(fds - m.connections) <= 0.02 * m.connections,
        `${fds} fds for ${m.connections} connections`,
      ),
    );
  }
  return checks;
}

const label: Record<Way, string> = { 'keep-alive': 'keep-alive', close: 'new connection per request' };

/** Turn the run into the lesson's printout. */
export function toLessonResult(r: RunResult): LessonResult {
  const c = compare(r);
  const way = (w: Way): WayResult | undefined => r.ways.find((x) => x.way === w);
  const ka = way('keep-alive');
  const cl = way('close');
  const m = r.memory;
  const faster = !!c && c.speedup > 1;
  // "A wide margin": ten times fewer TIME_WAIT sockets (or accepts, where /proc/net/tcp is not readable).
  const fewerTw = !!c && (c.timeWaitRatio ?? c.acceptRatio) >= 10;
  const costs = memoryChecks(m);

  const rows = r.ways.map((w) => [
    label[w.way],
    w.requests,
    formatMs(w.ms),
    Math.round(w.perSecond),
    w.connections,
    w.accepted,
    w.timeWait ? w.timeWait.server : '—',
    w.timeWait ? w.timeWait.client : '—',
  ]);
  const lines = [
    `The same ${r.options.requests} GET requests, ${r.options.concurrency} at a time, to two identical @connlab/http servers in a child process;`,
    'keep-alive: one connection per client loop, the last request says Connection: close; the other way: Connection: close on a new connection every time.',
    '',
    ...table(['way', 'requests', 'time', 'req/s', 'connections', 'server accepts', 'TIME_WAIT server', 'TIME_WAIT client'], rows),
    '',
    c
      ? `Keep-alive served ${c.speedup.toFixed(1)}× the requests per second, with ${c.acceptRatio.toFixed(0)}× fewer accept() (and close()) calls.`
      : '',
    c?.timeWaitRatio != null
      ? `TIME_WAIT: ${cl?.timeWait?.total ?? 0} sockets after the close way, ${ka?.timeWait?.total ?? 0} after keep-alive, all on the server's side (it sends the first FIN), each held 60 s.`
      : 'TIME_WAIT not counted: /proc/net/tcp is not readable here.',
    '',
    `Then ${m.connections} idle keep-alive connections (one request each, then silence) held by the server process:`,
    `  V8 data heap (objects, not compiled code) ${formatBytes(m.heapBefore)} → ${formatBytes(m.heapMid)} with half of them → ${formatBytes(m.heapAfter)} with all: ${formatBytes(Math.round(m.heapPerConnectionFirstHalf))} per connection for the first half, ${formatBytes(Math.round(m.heapPerConnectionSecondHalf))} for the second.`,
    `  Two heap readings with nothing opened in between differed by ${formatBytes(m.heapNoise)}: the growth is the connections, not noise.`,
    `  RSS ${formatBytes(m.rssBefore)} → ${formatBytes(m.rssAfter)}: RSS moves in whole pages that V8 and malloc keep or hand back in bulk, so it cannot resolve a cost this small; the heap readings can.`,
    m.fdsBefore !== null && m.fdsAfter !== null
      ? `  The kernel's side: the server's open file descriptors went ${m.fdsBefore} → ${m.fdsAfter}, one socket (struct sock and its buffers, in kernel memory, not in RSS) per connection.`
      : "  The kernel's side (a socket and a file descriptor each) is not counted here: /proc/self/fd is not readable.",
  ];
  return {
    checks: [
      check(
        'keep-alive serves more requests per second',
        faster,
        c ? `${c.speedup.toFixed(2)}× (${Math.round(ka?.perSecond ?? 0)} vs ${Math.round(cl?.perSecond ?? 0)} req/s)` : 'a way did not run',
      ),
      check(
        c?.timeWaitRatio != null
          ? 'new-connection way leaves ≥ 10× the TIME_WAIT sockets'
          : 'new-connection way makes ≥ 10× the accept() calls',
        fewerTw,
        c ? `${(c.timeWaitRatio ?? c.acceptRatio).toFixed(0)}×` : 'a way did not run',
      ),
      ...costs,
    ],
    lines,
    figures: [
      {
        kind: 'bars',
        title: `Requests per second, ${r.options.requests} requests each way, same run`,
        unit: 'req/s',
        bars: r.ways.map((w) => ({ label: label[w.way], value: Math.round(w.perSecond), note: `${w.connections} connections` })),
      },
      {
        kind: 'bars',
        title: 'TIME_WAIT sockets left behind (server side) and accept() calls',
        unit: '',
        bars: r.ways.flatMap((w) => [
          { label: `${label[w.way]}: TIME_WAIT`, value: w.timeWait?.total ?? 0 },
          { label: `${label[w.way]}: accept()`, value: w.accepted },
        ]),
      },
    ],
    measurements: [
      {
        label: 'requests/s, keep-alive',
        value: ka?.perSecond ?? 0,
        unit: 'req/s',
        textbook: 'fewer connections: fewer accept()/close() calls',
      },
      { label: 'requests/s, new connection per request', value: cl?.perSecond ?? 0, unit: 'req/s' },
      { label: 'keep-alive speed-up', value: c?.speedup ?? 0, unit: '×' },
      { label: 'server accept() calls, keep-alive', value: ka?.accepted ?? 0, unit: '', textbook: 'one per connection, not per request' },
      { label: 'server accept() calls, new connection per request', value: cl?.accepted ?? 0, unit: '' },
      {
        label: 'TIME_WAIT sockets, keep-alive',
        value: ka?.timeWait?.total ?? Number.NaN,
        unit: '',
        textbook: 'keep-alive means fewer TIME_WAIT sockets on the server',
      },
      {
        label: 'TIME_WAIT sockets, new connection per request',
        value: cl?.timeWait?.total ?? Number.NaN,
        unit: '',
        textbook: 'one per request, each for 2MSL: 60 s (notes 004; Linux TCP_TIMEWAIT_LEN)',
      },
      {
        label: 'server heap per idle keep-alive connection',
        value: m.heapPerConnection,
        unit: 'B',
        textbook: 'idle connections hold resources',
      },
    ],
  };
}

export const lesson = defineLesson({
  number: 16,
  slug: 'keep-alive-vs-close',
  title: 'Keep-alive vs a new connection per request',
  effect:
    'keep-alive serves more requests per second with far fewer accepts and TIME_WAIT sockets, while each idle connection holds server memory',
  needsRoot: 'no',
  flags: {
    requests: { type: 'int', min: 10, max: 100_000, help: 'requests each way (default 2000, 300 with --quick)' },
    concurrency: { type: 'int', min: 1, max: 256, help: 'client loops at once, each way (default 4)' },
    idleConnections: {
      type: 'int',
      min: 2,
      max: 20_000,
      help: 'idle keep-alive connections for the memory measurement (default 2000, 400 with --quick)',
    },
  },
  async run(ctx) {
    const options = withFlags(ctx.quick ? quickOptions : defaultOptions, ctx.flags);
    ctx.progress(`${options.requests} requests each way, then ${options.idleConnections} idle connections`);
    return toLessonResult(await run(options));
  },
});
