// Lesson 16: keep-alive saves connections, accept/close work and TIME_WAIT, but idle connections cost memory.
import { check, defineLesson, formatBytes, formatMs, table } from '@connlab/lab';
import type { LessonResult } from '@connlab/lab';
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
  const costs = m.heapPerConnection > 0;

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
    c ? `Keep-alive served ${c.speedup.toFixed(1)}× the requests per second, with ${c.acceptRatio.toFixed(0)}× fewer accept() (and close()) calls.` : '',
    c?.timeWaitRatio != null
      ? `TIME_WAIT: ${cl?.timeWait?.total ?? 0} sockets after the close way, ${ka?.timeWait?.total ?? 0} after keep-alive, all on the server's side (it sends the first FIN), each held 60 s.`
      : 'TIME_WAIT not counted: /proc/net/tcp is not readable here.',
    '',
    `Then ${m.connections} idle keep-alive connections (one request each, then silence) held by the server process:`,
    `  heap ${formatBytes(m.heapBefore)} → ${formatBytes(m.heapAfter)} (${formatBytes(Math.round(m.heapPerConnection))} per connection), RSS ${formatBytes(m.rssBefore)} → ${formatBytes(m.rssAfter)} (${formatBytes(Math.max(0, Math.round(m.rssPerConnection)))} per connection).`,
    '  Not counted above: the kernel socket for each (struct sock, buffers) and one file descriptor each.',
  ];
  return {
    checks: [
      check('keep-alive serves more requests per second', faster, c ? `${c.speedup.toFixed(2)}× (${Math.round(ka?.perSecond ?? 0)} vs ${Math.round(cl?.perSecond ?? 0)} req/s)` : 'a way did not run'),
      check(c?.timeWaitRatio != null ? 'new-connection way leaves ≥ 10× the TIME_WAIT sockets' : 'new-connection way makes ≥ 10× the accept() calls', fewerTw,
        c ? `${(c.timeWaitRatio ?? c.acceptRatio).toFixed(0)}×` : 'a way did not run'),
      check('idle keep-alive connections cost server heap', costs, `${formatBytes(Math.round(m.heapPerConnection))} per connection`),
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
      { label: 'requests/s, keep-alive', value: ka?.perSecond ?? 0, unit: 'req/s', textbook: 'fewer connections: fewer accept()/close() calls' },
      { label: 'requests/s, new connection per request', value: cl?.perSecond ?? 0, unit: 'req/s' },
      { label: 'keep-alive speed-up', value: c?.speedup ?? 0, unit: '×' },
      { label: 'server accept() calls, keep-alive', value: ka?.accepted ?? 0, unit: '', textbook: 'one per connection, not per request' },
      { label: 'server accept() calls, new connection per request', value: cl?.accepted ?? 0, unit: '' },
      { label: 'TIME_WAIT sockets, keep-alive', value: ka?.timeWait?.total ?? Number.NaN, unit: '', textbook: 'keep-alive means fewer TIME_WAIT sockets on the server' },
      { label: 'TIME_WAIT sockets, new connection per request', value: cl?.timeWait?.total ?? Number.NaN, unit: '', textbook: 'one per request, each for 2MSL (60 s in the notes)' },
      { label: 'server heap per idle keep-alive connection', value: m.heapPerConnection, unit: 'B', textbook: 'idle connections hold resources' },
      { label: 'server RSS per idle keep-alive connection', value: m.rssPerConnection, unit: 'B' },
    ],
  };
}

export const lesson = defineLesson({
  number: 16,
  slug: 'keep-alive-vs-close',
  title: 'Keep-alive vs a new connection per request',
  effect: 'keep-alive serves more requests per second with far fewer accepts and TIME_WAIT sockets, while each idle connection holds server memory',
  needsRoot: 'no',
  async run(ctx) {
    const options = ctx.quick ? quickOptions : defaultOptions;
    ctx.progress(`${options.requests} requests each way, then ${options.idleConnections} idle connections`);
    return toLessonResult(await run(options));
  },
});
