// Lesson 05: Nagle's algorithm + delayed ACK stall write-write-read; TCP_NODELAY or one write fixes it.
import { bucketize, check, defineLesson, formatMs, table } from '@connlab/lab';
import type { Check, HistogramFigure, LessonResult } from '@connlab/lab';
import { STALL_MS, modeLabels, run } from './experiment.js';
import type { ModeResult, RunOptions, RunResult } from './experiment.js';

const EDGES_MS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100];

function byMode(result: RunResult, mode: ModeResult['mode']): ModeResult | undefined {
  return result.modes.find((m) => m.mode === mode);
}

/** Did the run show a stall with Nagle and none with the two fixes? One check per mode that ran. */
export function nagleChecks(result: RunResult): Check[] {
  const median = (mode: ModeResult['mode']): number => byMode(result, mode)?.medianMs ?? Number.NaN;
  const nagle = median('nagle');
  return [
    check(`Nagle on: median request > ${STALL_MS} ms (waits for the delayed ACK)`, nagle > STALL_MS, formatMs(nagle)),
    ...(['nodelay', 'one-write'] as const).map((mode) =>
      check(`${modeLabels[mode]}: median request < 10 ms`, median(mode) < 10, formatMs(median(mode)))),
  ];
}

function histogram(result: RunResult): HistogramFigure {
  const top = Math.max(...result.modes.flatMap((m) => m.latenciesMs));
  const edges = EDGES_MS.filter((e, i) => i === 0 || EDGES_MS[i - 1]! < top);
  return {
    kind: 'histogram',
    title: `Request latency, ${result.options.requests} requests per mode`,
    unit: 'ms',
    series: result.modes.map((m) => ({ name: modeLabels[m.mode], buckets: bucketize(m.latenciesMs, edges) })),
  };
}

/** Turn the measured modes into the lesson's printout. */
export function toLessonResult(result: RunResult): LessonResult {
  const nagle = byMode(result, 'nagle');
  const rows = result.modes.map((m) => [
    modeLabels[m.mode], m.noDelay ? 'on' : 'off', formatMs(m.latenciesMs[0] ?? Number.NaN), formatMs(m.medianMs), formatMs(m.p90Ms), `${m.stalled}/${m.latenciesMs.length}`,
  ]);
  const lines = [
    `Each request is a ~60-byte header write, then a ${result.options.bodyBytes}-byte body write; the server answers once it has both.`,
    '',
    ...table(['client sends', 'TCP_NODELAY (kernel)', 'first', 'median', 'p90', `> ${STALL_MS} ms`], rows),
    '',
  ];
  if (nagle) {
    lines.push(
      nagle.fastBeforeFirstStall > 0
        ? `Nagle on: the first ${nagle.fastBeforeFirstStall === 1 ? 'request was' : `${nagle.fastBeforeFirstStall} requests were`} fast: a new connection starts in quick-ACK mode and ACKs every segment at once.`
        : 'Nagle on: even the first request stalled this time (quick-ACK mode ended before it).',
      `Once the server has answered promptly, Linux treats the connection as interactive and delays its ACKs; from then on each body waits ${formatMs(nagle.medianMs)} (median) for the ACK of its header.`,
      `That is Linux's 40 ms delayed-ACK minimum (TCP_DELACK_MIN); the timer fires on a kernel clock tick, so ${formatMs(Math.max(0, nagle.medianMs - 40))} late here. The book quotes 100–200 ms for other stacks.`,
    );
  }
  return {
    checks: nagleChecks(result),
    lines,
    figures: [histogram(result)],
    measurements: result.modes.map((m) => ({
      label: `median per request, ${modeLabels[m.mode]}`,
      value: m.medianMs,
      unit: 'ms',
      textbook: m.mode === 'nagle' ? '100–200 ms delayed ACK (book); 40 ms minimum on Linux' : 'no stall (the notes: set TCP_NODELAY, but write big chunks)',
    })),
  };
}

/** The lesson's default run; `quick` sends fewer requests. */
export function lessonOptions(quick: boolean): RunOptions {
  return { requests: quick ? 12 : 40, bodyBytes: 100 };
}

export const lesson = defineLesson({
  number: 5,
  slug: 'nagle',
  title: "Nagle's algorithm and delayed ACK",
  effect: 'two small writes then a read stall ~40 ms per request with Nagle on; TCP_NODELAY or one write removes the stall',
  needsRoot: 'no',
  async run(ctx) {
    ctx.progress('timing write-write-read requests: Nagle on, TCP_NODELAY, one corked write');
    return toLessonResult(await run(lessonOptions(ctx.quick)));
  },
});
