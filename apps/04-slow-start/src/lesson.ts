// Lesson 04: a new connection's congestion window starts small and doubles per RTT.
import { capturePath, check, defineLesson, formatMs, withFlags } from '@connlab/lab';
import type { LessonResult, LineFigure } from '@connlab/lab';
import { annotate, formatTrace, tcpSegments } from '@connlab/pcap';
import type { PcapFile, TraceLine } from '@connlab/pcap';
import { netnsAvailability } from '@connlab/netns';
import {
  DOUBLING_TOLERANCE,
  defaultOptions,
  doublingRounds,
  quickOptions,
  restartBound,
  run,
  segmentsPerRound,
  startingCwnd,
} from './experiment.js';
import type { RunResult, Transfer } from './experiment.js';
import { INITIAL_WINDOW, slowStartModel } from './model.js';
import type { CwndSample } from './sender-child.js';

/** At most `max` points: the last sample in each equal slice of time, so steps stay steps. */
export function downsample(samples: readonly CwndSample[], max = 60): [number, number][] {
  if (samples.length <= max) return samples.map((s) => [Math.round(s.t * 10) / 10, s.cwnd]);
  const end = samples[samples.length - 1]!.t;
  const out: [number, number][] = [];
  for (let i = 1; i <= max; i++) {
    const upTo = (end * i) / max;
    const last = samples.filter((s) => s.t <= upTo).at(-1);
    if (last && out.at(-1)?.[0] !== Math.round(last.t * 10) / 10) out.push([Math.round(last.t * 10) / 10, last.cwnd]);
  }
  return out;
}

function find(r: RunResult, name: Transfer['name']): Transfer {
  const t = r.transfers.find((x) => x.name === name);
  if (!t) throw new Error(`no "${name}" transfer in the run`);
  return t;
}

/** The cold transfer's start on the wire: the request, the first flight and its ACKs, the first segment of the second flight. */
export function firstFlight(capture: PcapFile, rttMs: number): TraceLine[] {
  const lines = annotate(tcpSegments(capture.linkType, capture.packets));
  const request = lines.findIndex((l) => l.from === 'client' && l.segment.payloadLength > 0);
  const data = lines.findIndex((l, i) => i > request && l.from === 'server' && l.segment.payloadLength > 0);
  if (request < 0 || data < 0) return [];
  // The second flight starts with the first server segment more than half an RTT after the first one.
  const next = lines.findIndex(
    (l, i) => i > data && l.from === 'server' && l.segment.payloadLength > 0 && l.timeMs - lines[data]!.timeMs > rttMs / 2,
  );
  return [lines[request]!, ...lines.slice(data, next < 0 ? data + 12 : next + 1)];
}

export function toLessonResult(r: RunResult): LessonResult {
  const rtt = 2 * r.options.delayMs;
  const cold = find(r, 'cold');
  const warm = find(r, 'warm');
  const idleOn = find(r, 'after idle, slow_start_after_idle=1');
  const idleOff = find(r, 'after idle, slow_start_after_idle=0');
  // The line's own RTT is the shortest a round can last (a busy machine only makes rounds longer).
  const roundMs = rtt;
  const perRtt = segmentsPerRound(cold.wire, roundMs);
  const doubling = doublingRounds(perRtt, INITIAL_WINDOW);
  const model = slowStartModel(r.options.bytes, rtt);
  const restart = restartBound(idleOn, r.options.idleMs, INITIAL_WINDOW);
  const growth = Math.max(...cold.samples.map((s) => s.cwnd)) / startingCwnd(cold);
  const lines = [
    `${r.options.bytes / 2 ** 20} MiB from the server namespace to the client over the delay line (${r.options.delayMs} ms each way), congestion control ${r.congestion} (RFC 5681's slow start) on the sending socket,`,
    `TCP_INFO read on the sender every millisecond. All four transfers use one connection.`,
    '',
    `cold connection, data segments per round trip on the wire (each round from its first segment, RTT ${formatMs(roundMs)}): ${perRtt.join(' → ')}`,
    `slow start: ${doubling} rounds double within ±${DOUBLING_TOLERANCE * 100} % (${perRtt.slice(0, doubling).join(' → ')}), ${Math.max(0, doubling - 1)} doublings;` +
      (doubling < perRtt.length
        ? ` then ${perRtt[doubling]!} where the model says ${INITIAL_WINDOW * 2 ** doubling}: the line is full (or the data ran out), slow start is over.`
        : ' it lasted the whole transfer.'),
    ...(r.lineDrops > 0
      ? [
          `the delay line itself dropped ${r.lineDrops} frames (the machine kept its pump from reading in time): a drop ends slow start early.`,
        ]
      : []),
    `cold ${formatMs(cold.ms)} vs warm ${formatMs(warm.ms)}: the warm connection starts with the ${warm.cwndBefore}-segment window the cold one opened.`,
    `After ${r.options.idleMs} ms idle (RTO ${formatMs(idleOn.rtoMs)}, so ${Math.floor(r.options.idleMs / idleOn.rtoMs)} halvings): with tcp_slow_start_after_idle=1 the window was ${idleOn.cwndBefore} before sending and ${startingCwnd(idleOn)} once sending resumed (${formatMs(idleOn.ms)});`,
    `with tcp_slow_start_after_idle=0 it stayed at ${startingCwnd(idleOff)} (${formatMs(idleOff.ms)}).`,
  ];
  const flight = r.capture ? firstFlight(r.capture, rtt) : [];
  if (flight.length) {
    lines.push(
      '',
      `The cold transfer's first flight on the wire (every frame the delay line forwarded, as the client's end saw it): ${flight.filter((l) => l.from === 'server' && l.segment.payloadLength > 0).length - 1} segments, then nothing until their ACKs have gone one round trip:`,
      ...formatTrace(flight, { names: 'roles' }).map((l) => `  ${l}`),
    );
  }
  const line: LineFigure = {
    kind: 'line',
    title: 'Congestion window on the sender during each transfer (TCP_INFO snd_cwnd)',
    xLabel: 'ms since the transfer began',
    yLabel: 'cwnd (segments)',
    series: r.transfers.map((t) => ({ name: t.name, points: downsample(t.samples) })),
  };
  return {
    checks: [
      check(
        `cold: initial window ≤ ${INITIAL_WINDOW + 2} segments`,
        startingCwnd(cold) <= INITIAL_WINDOW + 2,
        `${startingCwnd(cold)} segments`,
      ),
      check(
        `cold: ≥ 4 consecutive doublings per round trip (each round within ±${DOUBLING_TOLERANCE * 100} % of 10 · 2^k)`,
        doubling >= 5,
        perRtt.slice(0, Math.max(doubling + 1, 5)).join(' → '),
      ),
      check('cold: window grows ≥ 8×', growth >= 8, `${growth.toFixed(1)}×`),
      check('warm transfer < 0.6 × cold', warm.ms < 0.6 * cold.ms, `${formatMs(warm.ms)} vs ${formatMs(cold.ms)}`),
      check(
        `after idle, slow_start_after_idle=1: window cut to ≤ 2 × ${restart} (halved per RTO idle, not below ${INITIAL_WINDOW})`,
        startingCwnd(idleOn) <= 2 * restart,
        `${startingCwnd(idleOn)} of ${idleOn.cwndBefore} segments`,
      ),
      check(
        'after idle, slow_start_after_idle=0: window kept (≥ half)',
        startingCwnd(idleOff) >= idleOff.cwndBefore / 2,
        `${startingCwnd(idleOff)} of ${idleOff.cwndBefore} segments`,
      ),
    ],
    lines,
    figures: [
      line,
      {
        kind: 'bars',
        title: `Time to receive ${r.options.bytes / 2 ** 20} MiB (request sent → last byte)`,
        unit: 'ms',
        bars: r.transfers.map((t) => ({ label: t.name, value: t.ms, note: `starts at cwnd ${startingCwnd(t)}` })),
      },
      {
        kind: 'table',
        title: 'Cold connection: data segments per round trip on the wire, measured vs the doubling model',
        columns: ['round trip', 'measured segments', 'model', 'phase'],
        rows: perRtt.map((c, i) => [
          i + 1,
          c,
          model.rounds[i]?.cwnd ?? '—',
          i < doubling ? 'slow start: doubled' : 'path full / data ran out',
        ]),
      },
    ],
    measurements: [
      { label: 'cold: initial window', value: startingCwnd(cold), unit: 'segments', textbook: '10 (RFC 6928; the book: "one packet")' },
      {
        label: 'cold: segments in round trip 4',
        value: perRtt[3] ?? Number.NaN,
        unit: 'segments',
        textbook: 'doubles per RTT: 10 → 20 → 40 → 80',
      },
      { label: 'cold: consecutive doublings', value: Math.max(0, doubling - 1), unit: '', textbook: 'every round trip in slow start' },
      {
        label: `cold ${r.options.bytes / 2 ** 20} MiB transfer`,
        value: cold.ms,
        unit: 'ms',
        textbook: `model: ${model.roundTrips} round trips + the request = ${model.ms} ms`,
      },
      { label: `warm ${r.options.bytes / 2 ** 20} MiB transfer`, value: warm.ms, unit: 'ms', textbook: '"tuned" connections are faster' },
      {
        label: 'after idle > RTO, slow_start_after_idle=1: window',
        value: startingCwnd(idleOn),
        unit: 'segments',
        textbook: 'back toward the initial window',
      },
      { label: 'after idle > RTO, slow_start_after_idle=0: window', value: startingCwnd(idleOff), unit: 'segments', textbook: 'kept' },
    ],
    emulated: `the WAN is the netlab delay line (${r.mode}): a pump in a wire namespace holds each frame ${r.options.delayMs} ms each way; TCP itself is the real kernel's`,
  };
}

/** Without network namespaces: the same picture from the doubling model, labelled as such. */
export function modelLessonResult(bytes: number, rttMs: number, why: string): LessonResult {
  const cold = slowStartModel(bytes, rttMs);
  const warm = slowStartModel(bytes, rttMs, cold.finalCwnd);
  return {
    checks: [],
    skipped: `measuring the congestion window needs the delay line: ${why}`,
    emulated: 'MODEL, not a measurement: a window that starts at 10 segments and doubles every round trip, with no loss',
    lines: [
      `MODEL (nothing measured): ${bytes / 2 ** 20} MiB over a ${rttMs} ms RTT, window per round trip: ${cold.rounds.map((r) => r.cwnd).join(' → ')}.`,
      `Cold ${formatMs(cold.ms)} (${cold.roundTrips} round trips + the request); warm, starting at ${cold.finalCwnd} segments: ${formatMs(warm.ms)}.`,
    ],
    figures: [
      {
        kind: 'line',
        title: 'MODEL: congestion window per round trip (not measured)',
        xLabel: 'ms',
        yLabel: 'cwnd (segments)',
        series: [{ name: 'model, cold connection', points: cold.rounds.map((r) => [r.t, r.cwnd]) }],
      },
    ],
    measurements: [],
  };
}

export const lesson = defineLesson({
  number: 4,
  slug: 'slow-start',
  title: 'Slow start: a new connection opens its window one round trip at a time',
  effect:
    'segments per round trip doubling in slow start (10 → 20 → 40 → 80 → 160); cold vs warm transfer time; the window cut after idle unless tcp_slow_start_after_idle=0',
  needsRoot: 'all',
  flags: {
    delayMs: { type: 'int', min: 1, max: 500, help: 'one-way delay of the delay line, ms (default 20: an RTT of 40 ms)' },
    bytes: { type: 'int', min: 65536, max: 64 << 20, help: 'bytes per transfer (default 2 MiB)' },
    idleMs: { type: 'int', min: 0, max: 30_000, help: 'idle time before the after-idle transfers, ms (default 2000)' },
  },
  async run(ctx) {
    const options = withFlags(ctx.quick ? quickOptions : defaultOptions, ctx.flags);
    const { reason } = netnsAvailability();
    if (reason) return modelLessonResult(options.bytes, 2 * options.delayMs, reason);
    return toLessonResult(await run(options, ctx.progress, capturePath(ctx, { number: 4, slug: 'slow-start' })));
  },
});
