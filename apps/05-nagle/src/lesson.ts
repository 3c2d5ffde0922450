// Lesson 05: Nagle's algorithm + delayed ACK stall write-write-read; TCP_NODELAY or one write fixes it.
import { bucketize, capturePath, check, defineLesson, formatMs, median, table, withFlags } from '@connlab/lab';
import type { Check, Figure, HistogramFigure, LessonResult } from '@connlab/lab';
import {
  connectionOf,
  describeEvidence,
  formatTrace,
  ladderFigure,
  runCaptured,
  skippedCapture,
  trustedChecks,
  wireEvidence,
} from '@connlab/pcap';
import type { TraceLine, WireEvidence } from '@connlab/pcap';
import { STALL_MS, modeLabels } from './experiment.js';
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
      check(`${modeLabels[mode]}: median request < 10 ms`, median(mode) < 10, formatMs(median(mode))),
    ),
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

/** What the packets of the run show: the server's ACK holds, and bodies released by an ACK. */
export interface WireFindings {
  /** Each pure ACK the server held with Nagle on, ms on the wire (net of the loopback round trip). */
  heldMs: number[];
  medianHeldMs: number;
  /** Bodies sent the moment an ACK arrived (Nagle let them go), per mode. */
  released: { nagle: number; nodelay: number };
  /** One stalled request: header, held ACK, body, response. */
  excerpt: TraceLine[];
}

/** Read the effect off the packets: how long the server held its ACKs, and what Nagle held back. */
export function wireFindings(result: RunResult, evidence: WireEvidence | undefined): WireFindings | undefined {
  if (!evidence?.captured) return undefined;
  const nagle = byMode(result, 'nagle');
  const nodelay = byMode(result, 'nodelay');
  const nagleLines = nagle ? connectionOf(evidence.lines, nagle.clientPort) : [];
  const nodelayLines = nodelay ? connectionOf(evidence.lines, nodelay.clientPort) : [];
  const held = nagleLines.filter((l) => l.kind === 'delayed-ack' && l.from === 'server');
  const first = held[0] ? nagleLines.indexOf(held[0]) : -1;
  return {
    heldMs: held.map((l) => l.heldMs ?? Number.NaN),
    medianHeldMs: held.length ? median(held.map((l) => l.heldMs ?? Number.NaN)) : Number.NaN,
    released: {
      nagle: nagleLines.filter((l) => l.kind === 'nagle-release').length,
      nodelay: nodelayLines.filter((l) => l.kind === 'nagle-release').length,
    },
    excerpt: first < 1 ? [] : nagleLines.slice(first - 1, first + 4),
  };
}

/** The packet checks: ACKs held most of Linux's 40 ms minimum or more, and bodies held for them only with Nagle on. */
export function wireChecks(w: WireFindings): Check[] {
  return [
    check(
      'on the wire, Nagle on: the server holds its ACK, median ≥ 30 ms and ≤ 250 ms (Linux minimum 40 ms)',
      w.heldMs.length > 0 && w.medianHeldMs >= 30 && w.medianHeldMs <= 250,
      `${formatMs(w.medianHeldMs)}, ${w.heldMs.length} held ACKs`,
    ),
    check(
      'on the wire: bodies wait for that ACK with Nagle on, never with TCP_NODELAY',
      w.released.nagle > 0 && w.released.nodelay === 0,
      `Nagle on ${w.released.nagle}, TCP_NODELAY ${w.released.nodelay}`,
    ),
  ];
}

function wireLines(w: WireFindings | undefined, evidence: WireEvidence | undefined): string[] {
  if (!evidence) return [];
  const lines = ['', describeEvidence(evidence)];
  if (!w) return lines;
  lines.push(
    w.heldMs.length
      ? `On the wire the server held ${w.heldMs.length} ACKs with Nagle on, median ${formatMs(w.medianHeldMs)} each (Linux's minimum is 40 ms); ${w.released.nagle} bodies left the moment such an ACK came, ${w.released.nodelay} with TCP_NODELAY.`
      : 'No held ACK was seen on the wire with Nagle on.',
  );
  if (w.excerpt.length)
    lines.push('One stalled request, as tcpdump would print it:', ...formatTrace(w.excerpt, { names: 'roles' }).map((l) => `  ${l}`));
  return lines;
}

/** Turn the measured modes (and, when captured, their packets) into the lesson's printout. */
export function toLessonResult(result: RunResult, evidence?: WireEvidence): LessonResult {
  const wire = wireFindings(result, evidence);
  const nagle = byMode(result, 'nagle');
  const rows = result.modes.map((m) => [
    modeLabels[m.mode],
    m.noDelay ? 'on' : 'off',
    formatMs(m.latenciesMs[0] ?? Number.NaN),
    formatMs(m.medianMs),
    formatMs(m.p90Ms),
    `${m.stalled}/${m.latenciesMs.length}`,
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
  lines.push(...wireLines(wire, evidence));
  const onWire = trustedChecks(evidence, wire ? wireChecks(wire) : []);
  const figures: Figure[] = [histogram(result)];
  if (wire?.excerpt.length)
    figures.push(
      ladderFigure('One stalled request on the wire, Nagle on', wire.excerpt, {
        highlight: (l) => l.kind === 'delayed-ack' || l.kind === 'nagle-release',
      }),
    );
  return {
    checks: [...nagleChecks(result), ...onWire.checks],
    ...(evidence?.captured === false ? { skipped: skippedCapture(evidence) } : onWire.skipped ? { skipped: onWire.skipped } : {}),
    lines,
    figures,
    measurements: [
      ...result.modes.map((m) => ({
        label: `median per request, ${modeLabels[m.mode]}`,
        value: m.medianMs,
        unit: 'ms',
        textbook:
          m.mode === 'nagle'
            ? '100–200 ms delayed ACK (book); 40 ms minimum on Linux'
            : 'no stall (the notes: set TCP_NODELAY, but write big chunks)',
      })),
      ...(wire
        ? [
            {
              label: `ACK held by the server on the wire, Nagle on (median of ${wire.heldMs.length})`,
              value: wire.medianHeldMs,
              unit: 'ms',
              textbook: '100–200 ms (book); at least 40 ms on Linux (TCP_DELACK_MIN)',
            },
          ]
        : []),
    ],
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
  flags: {
    requests: { type: 'int', min: 2, max: 1000, help: 'requests per mode, on one connection (default 40, 12 with --quick)' },
    bodyBytes: { type: 'int', min: 1, max: 1 << 20, help: 'body bytes per request, written after a ~60-byte header (default 100)' },
  },
  async run(ctx) {
    ctx.progress('timing write-write-read requests: Nagle on, TCP_NODELAY, one corked write');
    // Inside a lab namespace when there is one, so its loopback carries only this run's packets.
    const pcapPath = capturePath(ctx, { number: 5, slug: 'nagle' });
    const captured = await runCaptured<RunResult>(
      new URL('./experiment.ts', import.meta.url),
      'run',
      withFlags(lessonOptions(ctx.quick), ctx.flags),
      pcapPath ? { pcapPath } : {},
    );
    return toLessonResult(captured.result, wireEvidence(captured));
  },
});
