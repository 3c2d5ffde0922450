// Lesson 03: with a small request, the TCP handshake can be half the transaction.
import { check, defineLesson, formatMs, withFlags } from '@connlab/lab';
import type { LessonResult } from '@connlab/lab';
import { timingTable, timingWaterfall } from '@connlab/netlab';
import type { TimingResult } from '@connlab/netlab';
import { defaultOptions, quickOptions, run } from './experiment.js';
import type { PathResult, RunResult } from './experiment.js';

function closest(runs: readonly TimingResult[], total: number): TimingResult {
  return runs.reduce((best, t) => (Math.abs(t.total - total) < Math.abs(best.total - total) ? t : best));
}

function percent(share: number): string {
  return `${(share * 100).toFixed(0)} %`;
}

export function toLessonResult(r: RunResult): LessonResult {
  const rtt = 2 * r.options.delayMs;
  const relay = r.wan.kind === 'relay';
  const wanName = relay ? 'WAN (relay)' : 'WAN';
  const lo: PathResult = r.loopback;
  const wan = r.wan;
  const handshakeLo = lo.freshMs - lo.reusedMs;
  const handshakeWan = wan.freshMs - wan.reusedMs;
  const lines = [
    `The same tiny GET ("ok" back), ${r.options.requests} times on a new connection and ${r.options.requests} times on one kept open, alternating.`,
    `Medians: loopback ${formatMs(lo.freshMs)} new vs ${formatMs(lo.reusedMs)} reused; ${wanName} ${formatMs(wan.freshMs)} new vs ${formatMs(wan.reusedMs)} reused.`,
    `The handshake (SYN, SYN/ACK, then the ACK carrying the request) costs one RTT before the request can leave:`,
    `${percent(wan.handshakeShare)} of a small transaction over the ${rtt} ms WAN, ${formatMs(handshakeLo)} on loopback where an RTT is microseconds.`,
    relay ? 'No root: the relay emulates the handshake with a connect delay, so it shows up in "waiting", not "TCP connect".' : '',
  ].filter((l) => l !== '');
  const examples = [
    { ...closest(wan.fresh, wan.freshMs), label: `${wanName}, new connection` },
    { ...closest(wan.reused, wan.reusedMs), label: `${wanName}, reused` },
    { ...closest(lo.fresh, lo.freshMs), label: 'loopback, new connection' },
    { ...closest(lo.reused, lo.reusedMs), label: 'loopback, reused' },
  ];
  return {
    // Book: about half. Loopback: the handshake is small change next to the WAN's (under a quarter of it).
    checks: [
      check(`${wanName}: handshake share of a small transaction 35–65 %`, wan.handshakeShare > 0.35 && wan.handshakeShare < 0.65, percent(wan.handshakeShare), { emulated: relay }),
      check(`loopback handshake < ¼ of the ${wanName} one`, handshakeLo < handshakeWan / 4, `${formatMs(handshakeLo)} vs ${formatMs(handshakeWan)}`, { emulated: relay }),
    ],
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
    ],
    measurements: [
      { label: `${wanName}: handshake share of a small transaction`, value: wan.handshakeShare * 100, unit: '%', textbook: 'about 50 % (the handshake "may take half the time")' },
      { label: `${wanName}: new − reused (the handshake)`, value: handshakeWan, unit: 'ms', textbook: `1 RTT = ${rtt} ms` },
      { label: 'loopback: new − reused (the handshake)', value: handshakeLo, unit: 'ms', textbook: 'nearly nothing: loopback RTT ≈ 0.05 ms' },
    ],
    ...(relay
      ? { emulated: `the WAN is the fault relay on loopback (application level, not transparent to TCP): ${r.options.delayMs} ms each way plus a ${rtt} ms connect delay for the handshake`, skipped: 'the delay line (a real handshake over a real RTT) needs root; run as root to measure it' }
      : { emulated: `the WAN is the netlab delay line: a packet pump between two network namespaces, ${r.options.delayMs} ms each way` }),
  };
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
    wan: { type: 'string', choices: ['auto', 'delay-line', 'relay'], help: 'the WAN: the delay line (root), the fault relay, or auto (default auto)' },
  },
  async run(ctx) {
    return toLessonResult(await run(withFlags(ctx.quick ? quickOptions : defaultOptions, ctx.flags), ctx.progress));
  },
});
