// Lesson 04: a new connection's congestion window starts small and doubles per RTT.
import { check, defineLesson, formatMs, isRoot, rootSkipReason, withFlags } from '@connlab/lab';
import type { LessonResult, LineFigure } from '@connlab/lab';
import { cwndPerRound, defaultOptions, quickOptions, run, startingCwnd } from './experiment.js';
import type { RunResult, Transfer } from './experiment.js';
import { INITIAL_WINDOW, slowStartModel } from './model.js';
import type { CwndSample } from './sender.js';

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

export function toLessonResult(r: RunResult): LessonResult {
  const rtt = 2 * r.options.delayMs;
  const cold = find(r, 'cold');
  const warm = find(r, 'warm');
  const idleOn = find(r, 'after idle, slow_start_after_idle=1');
  const idleOff = find(r, 'after idle, slow_start_after_idle=0');
  const perRtt = cwndPerRound(cold.samples, rtt);
  const model = slowStartModel(r.options.bytes, rtt);
  const growth = Math.max(...cold.samples.map((s) => s.cwnd)) / startingCwnd(cold);
  const lines = [
    `${r.options.bytes / 2 ** 20} MiB from the server namespace to the client over the delay line (${r.options.delayMs} ms each way), congestion control ${r.congestion} on the sending socket,`,
    `TCP_INFO read on the sender every millisecond. All four transfers use one connection.`,
    '',
    `cold connection, cwnd per round trip (by the ACK clock): ${perRtt.join(' → ')} segments`,
    `cold ${formatMs(cold.ms)} vs warm ${formatMs(warm.ms)}: the warm connection starts with the ${warm.cwndBefore}-segment window the cold one opened.`,
    `After ${r.options.idleMs} ms idle (RTO ${formatMs(cold.rtoMs)}): with tcp_slow_start_after_idle=1 the window was ${idleOn.cwndBefore} before sending and ${startingCwnd(idleOn)} once sending resumed (${formatMs(idleOn.ms)});`,
    `with tcp_slow_start_after_idle=0 it stayed at ${startingCwnd(idleOff)} (${formatMs(idleOff.ms)}).`,
  ];
  const line: LineFigure = {
    kind: 'line',
    title: 'Congestion window on the sender during each transfer (TCP_INFO snd_cwnd)',
    xLabel: 'ms since the transfer began',
    yLabel: 'cwnd (segments)',
    series: r.transfers.map((t) => ({ name: t.name, points: downsample(t.samples) })),
  };
  return {
    checks: [
      check(`cold: initial window ≤ ${INITIAL_WINDOW + 2} segments`, startingCwnd(cold) <= INITIAL_WINDOW + 2, `${startingCwnd(cold)} segments`),
      check('cold: window grows ≥ 8×', growth >= 8, `${growth.toFixed(1)}×`),
      check('warm transfer < 0.6 × cold', warm.ms < 0.6 * cold.ms, `${formatMs(warm.ms)} vs ${formatMs(cold.ms)}`),
      check(`after idle, slow_start_after_idle=1: window ≤ ${2 * INITIAL_WINDOW}`, startingCwnd(idleOn) <= 2 * INITIAL_WINDOW, `${startingCwnd(idleOn)} segments`),
      check('after idle, slow_start_after_idle=0: window kept (≥ half)', startingCwnd(idleOff) >= idleOff.cwndBefore / 2, `${startingCwnd(idleOff)} of ${idleOff.cwndBefore} segments`),
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
        title: 'Cold connection: window per round trip, measured vs the doubling model',
        columns: ['round trip', 'measured cwnd', 'model cwnd'],
        rows: perRtt.map((c, i) => [i + 1, c, model.rounds[i]?.cwnd ?? '—']),
      },
    ],
    measurements: [
      { label: 'cold: initial window', value: startingCwnd(cold), unit: 'segments', textbook: '10 (RFC 6928; the book: "one packet")' },
      { label: 'cold: window after 3 round trips', value: perRtt[3] ?? Number.NaN, unit: 'segments', textbook: 'doubles per RTT: 10 → 20 → 40 → 80' },
      { label: `cold ${r.options.bytes / 2 ** 20} MiB transfer`, value: cold.ms, unit: 'ms', textbook: `model: ${model.roundTrips} round trips + the request = ${model.ms} ms` },
      { label: `warm ${r.options.bytes / 2 ** 20} MiB transfer`, value: warm.ms, unit: 'ms', textbook: '"tuned" connections are faster' },
      { label: 'after idle > RTO, slow_start_after_idle=1: window', value: startingCwnd(idleOn), unit: 'segments', textbook: 'back toward the initial window' },
      { label: 'after idle > RTO, slow_start_after_idle=0: window', value: startingCwnd(idleOff), unit: 'segments', textbook: 'kept' },
    ],
    emulated: `the WAN is the netlab delay line: a packet pump between two network namespaces, ${r.options.delayMs} ms each way; TCP itself is the real kernel's`,
  };
}

/** Without root: the same picture from the doubling model, labelled as such. */
export function modelLessonResult(bytes: number, rttMs: number): LessonResult {
  const cold = slowStartModel(bytes, rttMs);
  const warm = slowStartModel(bytes, rttMs, cold.finalCwnd);
  return {
    checks: [],
    skipped: rootSkipReason('measuring the congestion window over the delay line'),
    emulated: 'MODEL, not a measurement: a window that starts at 10 segments and doubles every round trip, with no loss',
    lines: [
      `MODEL (nothing measured): ${bytes / 2 ** 20} MiB over a ${rttMs} ms RTT, window per round trip: ${cold.rounds.map((r) => r.cwnd).join(' → ')}.`,
      `Cold ${formatMs(cold.ms)} (${cold.roundTrips} round trips + the request); warm, starting at ${cold.finalCwnd} segments: ${formatMs(warm.ms)}.`,
    ],
    figures: [{
      kind: 'line',
      title: 'MODEL: congestion window per round trip (not measured)',
      xLabel: 'ms',
      yLabel: 'cwnd (segments)',
      series: [{ name: 'model, cold connection', points: cold.rounds.map((r) => [r.t, r.cwnd]) }],
    }],
    measurements: [],
  };
}

export const lesson = defineLesson({
  number: 4,
  slug: 'slow-start',
  title: 'Slow start: a new connection opens its window one round trip at a time',
  effect: 'snd_cwnd from TCP_INFO doubling per RTT (10 → 20 → 40 → 80); cold vs warm transfer time; the window cut after idle unless tcp_slow_start_after_idle=0',
  needsRoot: 'all',
  flags: {
    delayMs: { type: 'int', min: 1, max: 500, help: 'one-way delay of the delay line, ms (default 20: an RTT of 40 ms)' },
    bytes: { type: 'int', min: 65536, max: 64 << 20, help: 'bytes per transfer (default 2 MiB)' },
    idleMs: { type: 'int', min: 0, max: 30_000, help: 'idle time before the after-idle transfers, ms (default 2000)' },
  },
  async run(ctx) {
    const options = withFlags(ctx.quick ? quickOptions : defaultOptions, ctx.flags);
    if (!isRoot() || process.platform !== 'linux') return modelLessonResult(options.bytes, 2 * options.delayMs);
    return toLessonResult(await run(options, ctx.progress));
  },
});
