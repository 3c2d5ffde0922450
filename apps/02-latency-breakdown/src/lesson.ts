// Lesson 02: HTTP transaction latency = DNS + connect + request + processing + response.
import { check, defineLesson, formatMs, withFlags } from '@connlab/lab';
import type { Check, LessonResult, Measurement } from '@connlab/lab';
import { PHASE_LABELS, TIMING_PHASES, WAN_FLAG, timingBars, timingTable, timingWaterfall } from '@connlab/netlab';
import type { TimingResult } from '@connlab/netlab';
import { defaultOptions, quickOptions, run } from './experiment.js';
import type { Options, RunResult } from './experiment.js';

function phaseLine(t: TimingResult): string {
  return `${t.label}: ${TIMING_PHASES.filter((p) => t.phases[p] > 0)
    .map((p) => `${PHASE_LABELS[p]} ${formatMs(t.phases[p])}`)
    .join(' + ')} = ${formatMs(t.total)}`;
}

/** A check that `value` is within `tolerance` (a fraction) of `expected`. */
function near(label: string, value: number, expected: number, emulated: boolean, tolerance = 0.25): Check {
  return check(
    `${label} ≈ ${formatMs(expected)} ± ${tolerance * 100} %`,
    Math.abs(value - expected) <= expected * tolerance,
    formatMs(value),
    { emulated },
  );
}

export function toLessonResult(r: RunResult): LessonResult {
  const { delayMs, processingMs } = r.options;
  const rtt = 2 * delayMs;
  const fast = (): Check =>
    check(
      `loopback transaction < RTT/4 = ${formatMs(rtt / 4)}`,
      r.loopback.byAddress.total < rtt / 4,
      formatMs(r.loopback.byAddress.total),
    );
  const loopbackMeasurements: Measurement[] = [
    {
      label: 'loopback: whole transaction',
      value: r.loopback.byAddress.total,
      unit: 'ms',
      textbook: 'processing dominates when the network is "free"',
    },
    {
      label: 'loopback: name lookup of "localhost"',
      value: r.loopback.byName.phases.dns,
      unit: 'ms',
      textbook: 'from /etc/hosts through the resolver; 0 for a literal address',
    },
  ];
  if (!r.wan) {
    const loopback = [r.loopback.byName, r.loopback.byAddress];
    return {
      checks: [fast()],
      lines: [
        `Each line is one GET of a ~1 KB page on a new connection; the server spends ${processingMs} ms "processing".`,
        '',
        ...loopback.map(phaseLine),
        '',
        `The WAN part did not run: ${r.wanSkipped ?? 'no WAN'}.`,
      ],
      figures: [timingWaterfall(loopback, 'One transaction per row, each from its own start (ms)', 'own'), timingTable(loopback)],
      measurements: loopbackMeasurements,
      skipped: r.wanSkipped ?? 'no WAN',
    };
  }
  const wanResult = r.wan;
  const wan = wanResult.byAddress;
  const lines = [
    `Each line is one GET of a ~1 KB page on a new connection; the server spends ${processingMs} ms "processing".`,
    `Shown: the median of ${r.options.repeat} runs of each kind.`,
    '',
    phaseLine(r.loopback.byName),
    phaseLine(r.loopback.byAddress),
    ...(wanResult.byName ? [phaseLine(wanResult.byName)] : []),
    phaseLine(wan),
    '',
  ];
  const measurements: Measurement[] = [...loopbackMeasurements];
  let checks: Check[];
  if (wanResult.kind === 'delay-line') {
    const dns = wanResult.byName?.phases.dns ?? Number.NaN;
    if (wanResult.kernelRttMs !== undefined)
      lines.push(`The kernel measured an RTT of ${formatMs(wanResult.kernelRttMs)} on the WAN connection.`);
    lines.push(
      `Across the link, the lookup costs one round trip (a query and its answer), the TCP handshake one more (SYN → SYN/ACK),`,
      `and the request one more plus the server's ${processingMs} ms before the first byte comes back.`,
    );
    measurements.push(
      { label: 'WAN: DNS lookup (uncached, server across the link)', value: dns, unit: 'ms', textbook: `≈ 1 RTT = ${rtt} ms` },
      { label: 'WAN: TCP connect', value: wan.phases.connect, unit: 'ms', textbook: `≈ 1 RTT = ${rtt} ms` },
      {
        label: 'WAN: request written → first byte',
        value: wan.phases.wait,
        unit: 'ms',
        textbook: `≈ 1 RTT + processing = ${rtt + processingMs} ms`,
      },
      {
        label: 'WAN: whole transaction by address',
        value: wan.total,
        unit: 'ms',
        textbook: `≈ 2 RTT + processing = ${2 * rtt + processingMs} ms`,
      },
    );
    checks = [
      near('WAN DNS lookup', dns, rtt, false),
      near('WAN TCP connect', wan.phases.connect, rtt, false),
      near('WAN request → first byte', wan.phases.wait, rtt + processingMs, false),
      fast(),
    ];
  } else {
    lines.push(
      'The fault relay (--wan relay) holds each new connection for one RTT (its connect delay) and each',
      'direction for half of one. The kernel still completes the handshake on loopback at once, so the emulated handshake',
      'shows up inside "waiting", not in "TCP connect", and DNS is not on the emulated path at all.',
    );
    measurements.push(
      {
        label: 'WAN (relay): request written → first byte',
        value: wan.phases.wait,
        unit: 'ms',
        textbook: `emulated handshake + 1 RTT + processing = ${2 * rtt + processingMs} ms`,
      },
      {
        label: 'WAN (relay): whole transaction',
        value: wan.total,
        unit: 'ms',
        textbook: `≈ 2 RTT + processing = ${2 * rtt + processingMs} ms`,
      },
    );
    checks = [near('WAN (relay) request → first byte', wan.phases.wait, 2 * rtt + processingMs, true), fast()];
  }
  const all = [r.loopback.byName, r.loopback.byAddress, ...(wanResult.byName ? [wanResult.byName] : []), wan];
  return {
    checks,
    lines,
    figures: [
      timingWaterfall(all, 'One transaction per row, each from its own start (ms)', 'own'),
      timingBars(wanResult.byName ?? wan, `Where the WAN transaction's time went (${rtt} ms RTT)`),
      timingTable(all),
    ],
    measurements,
    emulated: `the WAN is ${wanResult.describe}`,
  };
}

export function lessonOptions(quick: boolean): Options {
  return { ...(quick ? quickOptions : defaultOptions) };
}

export const lesson = defineLesson({
  number: 2,
  slug: 'latency-breakdown',
  title: 'Where an HTTP transaction spends its time',
  effect:
    'DNS, connect, request, processing and response timed separately; on a WAN each of DNS, connect and first byte costs about one RTT',
  needsRoot: 'part',
  flags: {
    delayMs: { type: 'int', min: 1, max: 1000, help: 'one-way delay of the WAN, ms (default 20: an RTT of 40 ms)' },
    processingMs: { type: 'int', min: 0, max: 5000, help: "the server's processing time per request, ms (default 2)" },
    repeat: { type: 'int', min: 1, max: 50, help: 'requests of each kind; the median is shown (default 5, 3 with --quick)' },
    wan: WAN_FLAG,
  },
  async run(ctx) {
    return toLessonResult(await run(withFlags(lessonOptions(ctx.quick), ctx.flags), ctx.progress));
  },
});
