// Lesson 03: with a small request, the TCP handshake can be half the transaction.
import { capturePath, check, defineLesson, formatMs, median, withFlags } from '@connlab/lab';
import type { Figure, LessonResult } from '@connlab/lab';
import { annotate, formatTrace, ladderFigure, tcpSegments } from '@connlab/pcap';
import type { PcapFile, TraceLine } from '@connlab/pcap';
import { WAN_FLAG, timingTable, timingWaterfall } from '@connlab/netlab';
import type { TimingResult } from '@connlab/netlab';
import { defaultOptions, quickOptions, run } from './experiment.js';
import type { Options, PathResult, RunResult } from './experiment.js';

function closest(runs: readonly TimingResult[], total: number): TimingResult {
  return runs.reduce((best, t) => (Math.abs(t.total - total) < Math.abs(best.total - total) ? t : best));
}

function percent(share: number): string {
  return `${(share * 100).toFixed(0)} %`;
}

function loopbackOnly(r: RunResult, lo: PathResult, why: string): LessonResult {
  const handshakeLo = lo.freshMs - lo.reusedMs;
  const connectLo = median(lo.fresh.map((t) => t.phases.connect));
  return {
    // Without a WAN the loopback part still has to show its point: the handshake is cheap there
    // (generous: a busy machine's wakeups, not the RTT, dominate a loopback connect()).
    checks: [check(`loopback connect() < 5 ms, a fraction of one ${2 * r.options.delayMs} ms WAN RTT`, connectLo < 5, formatMs(connectLo))],
    lines: [
      `The same tiny GET ("ok" back), ${r.options.requests} times on a new connection and ${r.options.requests} times on one kept open, alternating.`,
      `Loopback medians: ${formatMs(lo.freshMs)} new vs ${formatMs(lo.reusedMs)} reused; the handshake costs ${formatMs(handshakeLo)} there.`,
      `The WAN part did not run: ${why}.`,
    ],
    figures: [],
    measurements: [
      {
        label: 'loopback: new − reused (the handshake)',
        value: handshakeLo,
        unit: 'ms',
        textbook: 'nearly nothing: loopback RTT ≈ 0.05 ms',
      },
    ],
    skipped: why,
  };
}

/** On the wire over the delay line: the first new connection up to its answer, and a request on a reused one. */
export function wireExcerpts(capture: PcapFile): { fresh: TraceLine[]; reused: TraceLine[] } {
  const lines = annotate(tcpSegments(capture.linkType, capture.packets));
  const byConnection = (id: number) => lines.filter((l) => l.connection === id);
  const firstSyn = lines.find((l) => l.kind === 'syn');
  const fresh = firstSyn ? byConnection(firstSyn.connection) : [];
  const freshAnswer = fresh.findIndex((l) => l.from === 'server' && l.segment.payloadLength > 0);
  // A reused connection carries a second request: take that request and its answer.
  const reusedConn =
    [...new Set(lines.map((l) => l.connection))]
      .map(byConnection)
      .find((c) => c.filter((l) => l.from === 'client' && l.segment.payloadLength > 0).length > 1) ?? [];
  const second = reusedConn.filter((l) => l.from === 'client' && l.segment.payloadLength > 0)[1];
  const from = second ? reusedConn.indexOf(second) : -1;
  const answer = reusedConn.findIndex((l, i) => i > from && l.from === 'server' && l.segment.payloadLength > 0);
  return {
    fresh: freshAnswer < 0 ? [] : fresh.slice(0, freshAnswer + 1),
    reused: from < 0 || answer < 0 ? [] : reusedConn.slice(from, answer + 1),
  };
}

function wireLines(r: RunResult): { lines: string[]; figures: Figure[] } {
  if (!r.wanCapture) return { lines: [], figures: [] };
  const { fresh, reused } = wireExcerpts(r.wanCapture);
  const print = (l: readonly TraceLine[]) => formatTrace(l, { names: 'roles' }).map((t) => `  ${t}`);
  return {
    lines: [
      '',
      `On the wire (every frame the delay line forwarded, as the client's end saw it; ${r.wanCapture.packets.length} packets):`,
      'a new connection: one round trip of handshake before the request can leave',
      ...print(fresh),
      'a reused connection: the request leaves at once',
      ...print(reused),
    ],
    figures: fresh.length
      ? [
          ladderFigure(`A request on a new connection over the delay line (RTT ${2 * r.options.delayMs} ms)`, fresh, {
            highlight: (l) => l.kind === 'syn' || l.kind === 'syn-ack',
          }),
        ]
      : [],
  };
}

export function toLessonResult(r: RunResult): LessonResult {
  const rtt = 2 * r.options.delayMs;
  const lo: PathResult = r.loopback;
  const wan = r.wan;
  if (!wan) return loopbackOnly(r, lo, r.wanSkipped ?? 'no WAN');
  const relay = wan.kind === 'relay';
  const wanName = relay ? 'WAN (relay)' : 'WAN';
  const handshakeLo = lo.freshMs - lo.reusedMs;
  const handshakeWan = wan.freshMs - wan.reusedMs;
  const lines = [
    `The same tiny GET ("ok" back), ${r.options.requests} times on a new connection and ${r.options.requests} times on one kept open, alternating.`,
    `Medians: loopback ${formatMs(lo.freshMs)} new vs ${formatMs(lo.reusedMs)} reused; ${wanName} ${formatMs(wan.freshMs)} new vs ${formatMs(wan.reusedMs)} reused.`,
    `The handshake (SYN, SYN/ACK, then the ACK carrying the request) costs one RTT before the request can leave:`,
    `${percent(wan.handshakeShare)} of a small transaction over the ${rtt} ms WAN, ${formatMs(handshakeLo)} on loopback where an RTT is microseconds.`,
    relay
      ? 'Over the relay the handshake is emulated with a connect delay, so it shows up in "waiting", not "TCP connect", and the share holds by construction: it is marked emulated.'
      : '',
  ].filter((l) => l !== '');
  const wire = wireLines(r);
  lines.push(...wire.lines);
  const examples = [
    { ...closest(wan.fresh, wan.freshMs), label: `${wanName}, new connection` },
    { ...closest(wan.reused, wan.reusedMs), label: `${wanName}, reused` },
    { ...closest(lo.fresh, lo.freshMs), label: 'loopback, new connection' },
    { ...closest(lo.reused, lo.reusedMs), label: 'loopback, reused' },
  ];
  const checks = [
    // Book: about half. Loopback: the handshake is small change next to the WAN's (under a quarter of it).
    check(
      `${wanName}: handshake share of a small transaction 35–65 %`,
      wan.handshakeShare > 0.35 && wan.handshakeShare < 0.65,
      percent(wan.handshakeShare),
      { emulated: relay },
    ),
    check(
      `loopback handshake < ¼ of the ${wanName} one`,
      handshakeLo < handshakeWan / 4,
      `${formatMs(handshakeLo)} vs ${formatMs(handshakeWan)}`,
      { emulated: relay },
    ),
  ];
  if (!relay) {
    // Over the delay line the kernel's own connect() must take one RTT: the handshake is real, not a stand-in.
    const connect = median(wan.fresh.map((t) => t.phases.connect));
    checks.push(check(`WAN: connect() ≥ 1 RTT (${rtt} ms) on a new connection`, connect >= rtt * 0.95, formatMs(connect)));
  }
  return {
    checks,
    lines,
    figures: [
      {
        kind: 'bars',
        title: 'Median time of one small transaction (ms)',
        unit: 'ms',
        bars: [
          { label: `${wanName}, new connection`, value: wan.freshMs },
          { label: `${wanName}, reused connection`, value: wan.reusedMs, note: `handshake ${percent(wan.handshakeShare)} of the new one` },
          { label: 'loopback, new connection', value: lo.freshMs },
          { label: 'loopback, reused connection', value: lo.reusedMs },
        ],
      },
      timingWaterfall(examples, 'A typical transaction of each kind, from its own start (ms)', 'own'),
      timingTable(examples),
      ...wire.figures,
    ],
    measurements: [
      {
        label: `${wanName}: handshake share of a small transaction`,
        value: wan.handshakeShare * 100,
        unit: '%',
        textbook: 'about 50 % (the handshake "may take half the time")',
      },
      { label: `${wanName}: new − reused (the handshake)`, value: handshakeWan, unit: 'ms', textbook: `1 RTT = ${rtt} ms` },
      {
        label: 'loopback: new − reused (the handshake)',
        value: handshakeLo,
        unit: 'ms',
        textbook: 'nearly nothing: loopback RTT ≈ 0.05 ms',
      },
    ],
    emulated: `the WAN is ${wan.describe}`,
  };
}

export function lessonOptions(quick: boolean): Options {
  return { ...(quick ? quickOptions : defaultOptions) };
}

export const lesson = defineLesson({
  number: 3,
  slug: 'handshake-cost',
  title: 'What the TCP handshake costs',
  effect: 'a small request on a new connection vs a reused one: the handshake is about half the time over a WAN, nothing on loopback',
  needsRoot: 'part',
  flags: {
    delayMs: { type: 'int', min: 1, max: 1000, help: 'one-way delay of the WAN, ms (default 20: an RTT of 40 ms)' },
    requests: { type: 'int', min: 1, max: 100, help: 'requests of each kind (new, reused) per path (default 9, 5 with --quick)' },
    wan: WAN_FLAG,
  },
  async run(ctx) {
    return toLessonResult(
      await run(withFlags(lessonOptions(ctx.quick), ctx.flags), ctx.progress, capturePath(ctx, { number: 3, slug: 'handshake-cost' })),
    );
  },
});
