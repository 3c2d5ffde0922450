// Lesson 06: TIME_WAIT sits with whoever closes first; a small port range runs out at connect 11.
import { capturePath, check, defineLesson, formatMs, table, withFlags } from '@connlab/lab';
import type { BarsFigure, Check, Figure, LessonResult, Measurement } from '@connlab/lab';
import { annotate, formatTrace, ladderFigure, tcpSegments, writePcapFile } from '@connlab/pcap';
import type { TraceLine } from '@connlab/pcap';
import { BOOK, TIME_WAIT_S, run } from './experiment.js';
import type { CloseMode, CyclesResult, NamespacePart, RunOptions, RunResult } from './experiment.js';

const modeLabels: Record<CloseMode, string> = {
  'client-close': 'client closes first',
  'server-close': 'server closes first',
  reset: 'client resets (RST)',
  'keep-alive': 'keep-alive: one connection',
};

function hostRun(result: RunResult, mode: CloseMode): CyclesResult | undefined {
  return result.host.runs.find((r) => r.mode === mode);
}

/** The host part: who holds TIME_WAIT, that RST leaves none and keep-alive leaves one. */
export function hostChecks(result: RunResult): Check[] {
  const tw = (mode: CloseMode): string => {
    const r = hostRun(result, mode);
    return r ? `client ${r.timeWait.client}, server ${r.timeWait.server} after ${r.succeeded}` : 'did not run';
  };
  const client = hostRun(result, 'client-close');
  const server = hostRun(result, 'server-close');
  const reset = hostRun(result, 'reset');
  const keepAlive = hostRun(result, 'keep-alive');
  return [
    check(
      'client closes first: ≥ 90 % of connections leave TIME_WAIT on the client, none on the server',
      client !== undefined && client.timeWait.client >= 0.9 * client.succeeded && client.timeWait.server === 0,
      tw('client-close'),
    ),
    check(
      'server closes first: ≥ 90 % leave TIME_WAIT on the server, none on the client',
      server !== undefined && server.timeWait.server >= 0.9 * server.succeeded && server.timeWait.client === 0,
      tw('server-close'),
    ),
    check('RST close: no TIME_WAIT', reset !== undefined && reset.timeWait.total === 0, tw('reset')),
    check('keep-alive: at most one TIME_WAIT', keepAlive !== undefined && keepAlive.timeWait.total <= 1, tw('keep-alive')),
  ];
}

/** The namespace part ran out of ports at cycle 11 with EADDRNOTAVAIL (no check when it did not run). */
export function exhaustionChecks(part: NamespacePart | undefined): Check[] {
  const first = part?.steps[0]?.result;
  if (!first) return [];
  return [
    check(
      '10 ports, tcp_tw_reuse=0: connect 11 fails with EADDRNOTAVAIL',
      first.failedAt === 11 && first.error === 'EADDRNOTAVAIL',
      first.failedAt === undefined ? `all ${first.succeeded} connected` : `connect ${first.failedAt}: ${first.error ?? '?'}`,
    ),
  ];
}

function rate(r: CyclesResult): string {
  return `${Math.round(r.succeeded / (r.elapsedMs / 1000))}/s`;
}

function namespaceLines(part: NamespacePart): string[] {
  const rows = part.steps.map((s) => [
    s.label,
    `${s.result.succeeded}/${s.result.attempted}`,
    s.result.failedAt === undefined ? '—' : `cycle ${s.result.failedAt}: ${s.result.error ?? '?'}`,
    s.result.portsUsed,
    s.result.timeWait.client,
    s.result.timeWait.server,
  ]);
  const [exhaust, burst, paced, serverClose] = part.steps;
  const lines = [
    `Private namespace: ip_local_port_range = ${part.portRange} (10 ports), tcp_timestamps = ${part.timestamps}, tcp_tw_reuse_delay = ${part.twReuseDelayMs ?? 'n/a'} ms; each step talks to its own server port.`,
    '',
    ...table(['step', 'connected', 'first failure', 'ports used', 'TIME_WAIT client', 'TIME_WAIT server'], rows),
    '',
  ];
  if (exhaust) {
    lines.push(
      exhaust.result.failedAt === undefined
        ? 'tcp_tw_reuse=0: every connect succeeded; the exhaustion did not happen.'
        : `tcp_tw_reuse=0: ${exhaust.result.succeeded} connections used all 10 ports, each now in TIME_WAIT for 60 s (TCP_TIMEWAIT_LEN); connect #${exhaust.result.failedAt} failed with ${exhaust.result.error ?? '?'} ("cannot assign requested address").`,
    );
  }
  if (burst && paced) {
    lines.push(
      `tcp_tw_reuse=1 lets connect() take over a TIME_WAIT port, but only one older than tcp_tw_reuse_delay (and only with timestamps): back to back it still failed at cycle ${burst.result.failedAt ?? '—'}; spaced ${paced.options.gapMs ?? 0} ms apart, ${paced.result.succeeded} of ${paced.result.attempted} ran on ${paced.result.portsUsed} ports.`,
    );
  }
  if (serverClose) {
    lines.push(
      `Server closes first: the TIME_WAIT is the server's (${serverClose.result.timeWait.server}), the client's ports come free at once; a new SYN from a reused port even replaces the server's TIME_WAIT socket for that pair.`,
    );
  }
  return lines;
}

function timeWaitBars(result: RunResult): BarsFigure {
  return {
    kind: 'bars',
    title: `TIME_WAIT sockets after ${result.host.runs[0]?.attempted ?? 0} cycles on loopback`,
    unit: '',
    bars: result.host.runs.map((r) => ({
      label: modeLabels[r.mode],
      value: r.timeWait.total,
      note: r.timeWait.total === 0 ? 'none' : `held by the ${r.timeWait.client >= r.timeWait.server ? 'client' : 'server'}`,
    })),
  };
}

/** The close of the first connection to a step's server (port 8000 + step): from the first FIN on. */
export function closeOnTheWire(part: NamespacePart, step: number): TraceLine[] {
  if (!part.capture) return [];
  const lines = annotate(tcpSegments(part.capture.linkType, part.capture.packets));
  const first = lines.find((l) => (l.from === 'server' ? l.segment.srcPort : l.segment.dstPort) === 8000 + step);
  const connection = first ? lines.filter((l) => l.connection === first.connection) : [];
  const fin = connection.findIndex((l) => l.segment.flags.fin);
  return fin < 0 ? [] : connection.slice(fin);
}

function wireLines(part: NamespacePart): { lines: string[]; figures: Figure[] } {
  const clientFirst = closeOnTheWire(part, 0);
  const serverFirst = closeOnTheWire(part, 3);
  if (clientFirst.length === 0 && serverFirst.length === 0) return { lines: [], figures: [] };
  const print = (l: readonly TraceLine[]) => formatTrace(l, { names: 'roles' }).map((t) => `  ${t}`);
  return {
    lines: [
      '',
      `On the wire (the namespace's loopback, ${part.capture?.packets.length ?? 0} packets${part.capture?.dropped ? `, ${part.capture.dropped} LOST by the capture` : ''}), the close of each step's first connection:`,
      "client closes first: the client's FIN leads, so the client's socket goes to TIME_WAIT",
      ...print(clientFirst),
      "server closes first: the server's FIN leads, so the server's socket goes to TIME_WAIT",
      ...print(serverFirst),
    ],
    figures: clientFirst.length
      ? [
          ladderFigure('Client closes first: its FIN leads, its socket waits in TIME_WAIT', clientFirst, {
            highlight: (l) => l.kind === 'fin' && l.from === 'client',
          }),
        ]
      : [],
  };
}

/** Turn the measurements into the lesson's printout. */
export function toLessonResult(result: RunResult): LessonResult {
  const { defaults, boundPerSecond, timeWaitS } = result.host;
  const range = defaults.localPortRange;
  const remaining = Math.max(...result.host.runs.map((r) => r.timeWaitRemainingMs));
  const lines = [
    `Ephemeral ports: ${range.low}–${range.high} = ${range.count}. TIME_WAIT measured here: ${timeWaitS.toFixed(1)} s (the kernel's timer read ${formatMs(remaining)} right after the last close, plus the time since that close).`,
    `So one client can open at most ${range.count} / ${timeWaitS.toFixed(1)} s ≈ ${Math.round(boundPerSecond)} new connections per second to one server address and port; the book: ${BOOK.ports} / ${BOOK.timeWaitS} s = ${BOOK.perSecond}/s.`,
    `2MSL by source: the book "usually 2 minutes"; notes 004: 60 s; RFC 793/9293: MSL = 2 min, so 2MSL = 4 min; Linux: TCP_TIMEWAIT_LEN, a fixed ${TIME_WAIT_S} s whatever the MSL.`,
    `The bound is on a sustained rate: above it every port is in TIME_WAIT after one TIME_WAIT length, unless the kernel may reuse them. This machine has tcp_tw_reuse = ${defaults.twReuse}${defaults.twReuse === 2 ? ' (loopback traffic only)' : ''}; the namespace below turns reuse off to show the wall.`,
    '',
    ...table(
      ['cycles on loopback', 'done', 'ports used', 'TIME_WAIT client', 'TIME_WAIT server', 'rate'],
      result.host.runs.map((r) => [modeLabels[r.mode], r.succeeded, r.portsUsed, r.timeWait.client, r.timeWait.server, rate(r)]),
    ),
    '',
    'Whoever sends the first FIN holds the TIME_WAIT; an RST close skips it; keep-alive leaves one, at the end.',
  ];
  if (result.namespace) lines.push('', ...namespaceLines(result.namespace));
  const wire = result.namespace ? wireLines(result.namespace) : { lines: [], figures: [] };
  lines.push(...wire.lines);

  const clientClose = hostRun(result, 'client-close');
  const keepAlive = hostRun(result, 'keep-alive');
  const reset = hostRun(result, 'reset');
  const measurements: Measurement[] = [
    {
      label: 'TIME_WAIT length (kernel timer + time since the close)',
      value: timeWaitS,
      unit: 's',
      textbook: '2MSL: "usually 2 minutes" (book); 60 s (notes 004); 4 min (RFC 9293, MSL 2 min); Linux TCP_TIMEWAIT_LEN 60 s',
    },
    {
      label: 'connection rate bound, ports / measured TIME_WAIT',
      value: boundPerSecond,
      unit: '/s',
      textbook: `book: ${BOOK.ports} / ${BOOK.timeWaitS} s = ${BOOK.perSecond}/s`,
    },
    {
      label: `TIME_WAIT after ${clientClose?.succeeded ?? 0} client-closed connections`,
      value: clientClose?.timeWait.total ?? Number.NaN,
      unit: '',
      textbook: 'one per connection, on the side that closed first',
    },
    {
      label: `TIME_WAIT after ${reset?.succeeded ?? 0} RST-closed connections`,
      value: reset?.timeWait.total ?? Number.NaN,
      unit: '',
      textbook: 'none: a reset skips TIME_WAIT',
    },
    {
      label: `TIME_WAIT after ${keepAlive?.succeeded ?? 0} requests on one keep-alive connection`,
      value: keepAlive?.timeWait.total ?? Number.NaN,
      unit: '',
      textbook: 'keep-alive means fewer TIME_WAIT sockets (notes)',
    },
  ];
  const exhaust = result.namespace?.steps[0]?.result;
  if (exhaust?.failedAt !== undefined) {
    measurements.push({
      label: 'first failing connect with 10 ports, tcp_tw_reuse=0',
      value: exhaust.failedAt,
      unit: '',
      textbook: 'port exhaustion once every port is in TIME_WAIT',
    });
  }
  return {
    checks: [
      check(
        `TIME_WAIT lasts Linux's TCP_TIMEWAIT_LEN (${TIME_WAIT_S} s ± 5 %), measured on the kernel's timer`,
        Math.abs(timeWaitS - TIME_WAIT_S) <= 0.05 * TIME_WAIT_S,
        `${timeWaitS.toFixed(1)} s → ${Math.round(boundPerSecond)} connections/s`,
      ),
      ...hostChecks(result),
      ...exhaustionChecks(result.namespace),
    ],
    lines,
    figures: [timeWaitBars(result), ...wire.figures],
    measurements,
    ...(result.skipped ? { skipped: result.skipped } : {}),
  };
}

/** The lesson's default run; `quick` uses fewer loopback cycles. */
export function lessonOptions(quick: boolean): RunOptions {
  return { hostCycles: quick ? 100 : 500, namespaceCycles: 20, ports: undefined, pacedGapMs: undefined };
}

export const lesson = defineLesson({
  number: 6,
  slug: 'time-wait',
  title: 'TIME_WAIT and port exhaustion',
  effect: 'the side that closes first keeps each connection in TIME_WAIT for 60 s; with 10 ports the 11th connect fails with EADDRNOTAVAIL',
  needsRoot: 'part',
  flags: {
    hostCycles: { type: 'int', min: 1, max: 20_000, help: 'connect/close cycles per mode on loopback (default 500, 100 with --quick)' },
    namespaceCycles: { type: 'int', min: 1, max: 1000, help: 'cycles per step in the private namespace (default 20)' },
    ports: { type: 'int', min: 1, max: 1000, help: 'ephemeral ports in the namespace, from 40000 (default 10)' },
    pacedGapMs: { type: 'int', min: 0, max: 5000, help: 'gap between cycles of the paced tcp_tw_reuse=1 step, ms (default 150)' },
  },
  async run(ctx) {
    const result = await run(withFlags(lessonOptions(ctx.quick), ctx.flags), ctx.progress);
    const path = capturePath(ctx, { number: 6, slug: 'time-wait' });
    if (path && result.namespace?.capture) await writePcapFile(path, result.namespace.capture);
    return toLessonResult(result);
  },
});
