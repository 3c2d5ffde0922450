// Lesson 20: a segment lost mid-flight is repaired by fast retransmit within
// about a round trip; a lost last segment waits for a probe or a timeout;
// goodput falls with the square root of the loss rate (Mathis et al.).
import { check, defineLesson, formatMs, table, withFlags } from '@connlab/lab';
import type { Check, Figure, LessonResult, Measurement } from '@connlab/lab';
import { MATHIS_C, run } from './experiment.js';
import type { CaseResult, LessonRun, LossCase, RunOptions, RunResult } from './experiment.js';

/** How far measured goodput may sit from the Mathis model and still count as "beside it". */
// Mathis describes steady congestion avoidance under periodic loss; a short run
// starts in slow start and random loss with SACK repairs more gently, so the
// measured goodput sits above the model at low loss rates.
export const MODEL_BAND = { low: 0.4, high: 3 } as const;
/** The exponent k of goodput ∝ p^k the check accepts; Mathis says −0.5. Wide: three short runs are noisy. */
export const EXPONENT_RANGE = { min: -1, max: -0.25 } as const;

/**
 * Least-squares slope of ln(goodput) against ln(p): the k in goodput ∝ p^k.
 *
 * @example
 * lossExponent([{ p: 0.01, mbit: 4 }, { p: 0.04, mbit: 2 }]); // −0.5
 */
export function lossExponent(points: readonly { p: number; mbit: number }[]): number {
  const xs = points.map((q) => Math.log(q.p));
  const ys = points.map((q) => Math.log(q.mbit));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const sxy = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0);
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return sxx > 0 ? sxy / sxx : Number.NaN;
}
/** Linux's floor for the retransmission timeout, TCP_RTO_MIN (include/net/tcp.h). */
export const RTO_MIN_MS = 200;

const caseText: Record<LossCase, string> = {
  none: 'no loss',
  mid: 'mid-flight loss',
  tail: 'tail loss, TLP on',
  'tail-no-tlp': 'tail loss, TLP off',
};

/** Extra time a case took over the loss-free transfer. */
export function extraMs(result: RunResult, c: CaseResult): number {
  const none = result.cases.find((x) => x.loss === 'none');
  return c.report.ms - (none?.report.ms ?? Number.NaN);
}

/** The checks on part 1, computed from each case's TCP_INFO and timing. */
export function repairChecks(result: RunResult): Check[] {
  const by = (loss: LossCase) => result.cases.find((c) => c.loss === loss);
  const none = by('none');
  const mid = by('mid');
  const tail = by('tail');
  const rto = by('tail-no-tlp');
  const rtt = result.options.rttMs;
  const counters = (c: CaseResult | undefined) =>
    c ? `${c.report.totalRetrans} retransmitted, ${c.report.totalRto ?? '?'} timeouts, ${signedMs(extraMs(result, c))}` : 'did not run';
  return [
    check(
      'no loss: nothing retransmitted',
      none?.report.totalRetrans === 0 && none.lineDropped === 0,
      none ? `${none.report.totalRetrans} retransmitted in ${formatMs(none.report.ms)}` : 'did not run',
    ),
    check(
      `mid-flight loss: repaired without a timeout, sooner than the RTO (${formatMs(mid?.report.rtoMs ?? Number.NaN)})`,
      mid !== undefined &&
        mid.lineDropped === 1 &&
        mid.report.totalRetrans >= 1 &&
        mid.report.totalRto === 0 &&
        extraMs(result, mid) < mid.report.rtoMs,
      counters(mid),
    ),
    check(
      `tail loss, TLP on: no duplicate ACKs come, so it waits ≥ 1 RTT (${rtt} ms); a probe repairs it without a timeout`,
      tail !== undefined &&
        tail.lineDropped === 1 &&
        tail.report.totalRetrans >= 1 &&
        tail.report.totalRto === 0 &&
        extraMs(result, tail) >= rtt,
      counters(tail),
    ),
    check(
      // How long it waited is the capture's check: the extra time against the loss-free run moves with that run's own noise.
      'tail loss, TLP off: the retransmission timeout fires',
      rto !== undefined && rto.lineDropped === 1 && (rto.report.totalRto ?? 0) >= 1,
      counters(rto),
    ),
    check(
      'the probe keeps the congestion window, the timeout cuts it',
      tail !== undefined && rto !== undefined && tail.report.sndCwnd > 2 * rto.report.sndCwnd,
      `cwnd at the end ${tail?.report.sndCwnd ?? '?'} with TLP, ${rto?.report.sndCwnd ?? '?'} after the timeout`,
    ),
  ];
}

/** "+275 ms" or "−6.8 ms": the difference to the loss-free run. */
export function signedMs(ms: number): string {
  return ms < 0 ? `−${formatMs(-ms)}` : `+${formatMs(ms)}`;
}

/** The packets' side of part 1: the capture saw the dropped segment leave twice, as late as the repair says. */
export function wireChecks(result: RunResult): Check[] {
  const rtt = result.options.rttMs;
  const bound: Partial<Record<LossCase, { text: string; ok: (ms: number, c: CaseResult) => boolean }>> = {
    mid: { text: 'sooner than the RTO', ok: (ms, c) => ms < c.report.rtoMs },
    tail: { text: `≥ 1 RTT (${rtt} ms) later`, ok: (ms) => ms >= rtt },
    'tail-no-tlp': { text: `≥ ${RTO_MIN_MS} ms later`, ok: (ms) => ms >= RTO_MIN_MS },
  };
  return result.cases.flatMap((c) => {
    const b = bound[c.loss];
    if (!b || !c.wire || c.wire.captureDropped > 0) return [];
    const again = c.wire.resent[0]?.afterMs;
    return [
      check(
        `capture, ${caseText[c.loss]}: the lost segment left twice, the copy ${b.text}`,
        c.wire.resent.length >= 1 && again !== undefined && b.ok(again, c),
        again === undefined ? 'no segment sent twice' : `${c.wire.resent.length} resent, the first ${formatMs(again)} after the original`,
      ),
    ];
  });
}

/** The checks on part 2. */
export function goodputChecks(result: RunResult): Check[] {
  const g = result.goodput;
  const ratios = g.map((x) => x.report.goodputMbit / x.modelMbit);
  const k = lossExponent(g.map((x) => ({ p: x.observedLoss, mbit: x.report.goodputMbit })));
  return [
    check(
      `goodput falls with loss as p^k, k between ${EXPONENT_RANGE.min} and ${EXPONENT_RANGE.max} (Mathis: −0.5)`,
      g.length >= 2 && k >= EXPONENT_RANGE.min && k <= EXPONENT_RANGE.max,
      `k = ${k.toFixed(2)} from ${g.map((x) => `${(x.observedLoss * 100).toFixed(2)} %: ${x.report.goodputMbit.toFixed(2)} Mbit/s`).join(', ')}`,
    ),
    check(
      `each within ${MODEL_BAND.low}–${MODEL_BAND.high}× the Mathis model at the loss the line really caused`,
      ratios.length > 0 && ratios.every((r) => r >= MODEL_BAND.low && r <= MODEL_BAND.high),
      ratios.map((r) => `${r.toFixed(2)}×`).join(', '),
    ),
  ];
}

const round2 = (v: number) => Math.round(v * 100) / 100;

function figures(result: RunResult): Figure[] {
  return [
    {
      kind: 'bars',
      title: `Time to deliver ${result.options.segments} segments (RTT ${result.options.rttMs} ms), by where one was lost`,
      unit: 'ms',
      bars: result.cases.map((c) => ({
        label: caseText[c.loss],
        value: c.report.ms,
        note: c.loss === 'none' ? '' : `${signedMs(extraMs(result, c))}, ${c.report.totalRto ? 'timeout' : 'no timeout'}`,
      })),
    },
    {
      kind: 'line',
      title: `Goodput against random loss, RTT ${result.options.rttMs} ms, ${result.options.congestion}`,
      xLabel: 'loss rate (%)',
      yLabel: 'Mbit/s',
      series: [
        { name: 'measured', points: result.goodput.map((x) => [round2(x.observedLoss * 100), round2(x.report.goodputMbit)]) },
        { name: 'Mathis: MSS/RTT · 1.22/√p', points: result.goodput.map((x) => [round2(x.observedLoss * 100), round2(x.modelMbit)]) },
      ],
    },
  ];
}

function resultLines(result: RunResult): string[] {
  const o = result.options;
  return [
    `Delay line (${result.mode}): RTT ${o.rttMs} ms, MSS ${result.mss} B. One transfer of ${o.segments} full segments (${o.segments * result.mss} B), with one data segment dropped by the line:`,
    '',
    ...table(
      ['case', 'dropped segment', 'delivered in', 'extra', 'retransmitted', 'timeouts (RTO)', 'cwnd at end', 'on the wire: resent after'],
      result.cases.map((c) => [
        caseText[c.loss],
        c.dropped.length ? `#${c.dropped.join(', #')}` : '—',
        formatMs(c.report.ms),
        c.loss === 'none' ? '—' : signedMs(extraMs(result, c)),
        c.report.totalRetrans,
        c.report.totalRto ?? '?',
        c.report.sndCwnd,
        c.wire ? (c.wire.resent.length ? c.wire.resent.map((r) => formatMs(r.afterMs)).join(', ') : '—') : 'no capture',
      ]),
    ),
    '',
    "Counters from the sender's TCP_INFO (tcpi_total_retrans, tcpi_total_rto, snd_cwnd); the last column from a capture of the client's end of the line (a segment whose sequence number left before). The RTO was " +
      `${formatMs(result.cases[0]?.report.rtoMs ?? Number.NaN)}. TLP is tcp_early_retrans (3 on, 0 off), set in the client's namespace.`,
    '',
    `Goodput of a connection kept busy for ${o.seconds} s (${o.congestion}) at each random loss rate, beside Mathis et al.: MSS/RTT · ${MATHIS_C.toFixed(2)}/√p, with p the fraction the line really lost:`,
    '',
    ...table(
      ['loss rate asked', 'lost on the line (p)', 'goodput', 'model at p', 'measured/model', 'retransmitted'],
      result.goodput.map((x) => [
        `${(x.p * 100).toFixed(1)} %`,
        `${(x.observedLoss * 100).toFixed(2)} %`,
        `${x.report.goodputMbit.toFixed(2)} Mbit/s`,
        `${x.modelMbit.toFixed(2)} Mbit/s`,
        `${(x.report.goodputMbit / x.modelMbit).toFixed(2)}×`,
        x.report.totalRetrans,
      ]),
    ),
  ];
}

/** Turn the measurements into the lesson's printout. */
export function toLessonResult(lr: LessonRun): LessonResult {
  if (!lr.result) return { checks: [], measurements: [], lines: [], figures: [], ...(lr.skipped ? { skipped: lr.skipped } : {}) };
  const result = lr.result;
  const measurements: Measurement[] = result.cases
    .filter((c) => c.loss !== 'none')
    .map((c) => ({
      label: `extra time, ${caseText[c.loss]}`,
      value: extraMs(result, c),
      unit: 'ms',
      textbook:
        c.loss === 'mid'
          ? 'fast retransmit after 3 duplicate ACKs: about 1 RTT for that segment'
          : c.loss === 'tail'
            ? 'TLP: a probe after ~2 RTT (+200 ms with one segment out)'
            : `RTO: ≥ ${RTO_MIN_MS} ms on Linux (RFC 6298 says ≥ 1 s)`,
    }));
  for (const x of result.goodput) {
    measurements.push({
      label: `goodput at ${(x.observedLoss * 100).toFixed(2)} % loss`,
      value: x.report.goodputMbit,
      unit: 'Mbit/s',
      textbook: `Mathis model ${x.modelMbit.toFixed(2)} Mbit/s`,
    });
  }
  return {
    checks: [...repairChecks(result), ...wireChecks(result), ...goodputChecks(result)],
    lines: resultLines(result),
    figures: figures(result),
    measurements,
  };
}

/** The lesson's default run; `quick` sends for less time at fewer loss rates. */
export function lessonOptions(quick: boolean): RunOptions {
  return {
    rttMs: 40,
    segments: 40,
    midSegment: 15,
    // 4× apart: each step should halve the goodput (1/√p), a wider step than a short run's noise.
    lossRates: [0.005, 0.02, 0.08],
    // Reno adds one segment per RTT: a run of a second or two is mostly still climbing, and noisy.
    seconds: quick ? 3 : 5,
    congestion: 'reno',
  };
}

export const lesson = defineLesson({
  number: 20,
  slug: 'loss-retransmit',
  title: 'Loss and retransmission',
  effect: 'a mid-flight loss is repaired by fast retransmit, a tail loss waits for a probe or a timeout; goodput falls as 1/√loss (Mathis)',
  needsRoot: 'all',
  flags: {
    rtt: { type: 'int', min: 2, max: 1000, help: 'round-trip time of the delay line, ms (default 40)' },
    congestion: {
      type: 'string',
      choices: ['reno', 'cubic', 'bbr'],
      help: "the sender's congestion control (default reno, what the Mathis model describes)",
    },
    midSegment: { type: 'int', min: 1, max: 39, help: 'which of the 40 data segments the mid-flight loss drops (default 15)' },
  },
  async run(ctx) {
    const { rtt, congestion, midSegment } = ctx.flags ?? {};
    return toLessonResult(await run(withFlags(lessonOptions(ctx.quick), { rttMs: rtt, congestion, midSegment }), ctx.progress));
  },
});
