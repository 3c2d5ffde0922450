// Lesson 13: closing input while the peer still sends loses the answer; half-close + drain keeps it.
import { capturePath, check, defineLesson, formatBytes, table, withFlags } from '@connlab/lab';
import type { Check, Figure, LessonResult } from '@connlab/lab';
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
import type { CaseResult, RunOptions, RunResult } from './experiment.js';

function worst(cases: readonly CaseResult[]): CaseResult | undefined {
  return [...cases].sort((a, b) => a.receivedBytes - b.receivedBytes)[0];
}

/** The RSTs on the wire: which runs' servers reset, and the packets around the first reset. */
export interface WireFindings {
  /** Abrupt runs whose server sent an RST, of all abrupt runs. */
  abruptReset: number;
  abrupt: number;
  /** Graceful runs whose server sent an RST (should be none). */
  gracefulReset: number;
  /** The end of the worst abrupt run: the answer's last segments, the RST, what followed. */
  excerpt: TraceLine[];
  /** The end of a graceful run: FIN, the drained upload, the client's FIN. */
  gracefulExcerpt: TraceLine[];
}

const serverRst = (lines: readonly TraceLine[]) => lines.find((l) => l.from === 'server' && l.kind === 'rst');

export function wireFindings(result: RunResult, evidence: WireEvidence | undefined): WireFindings | undefined {
  if (!evidence?.captured) return undefined;
  const linesOf = (c: CaseResult) => connectionOf(evidence.lines, c.clientPort);
  const abrupt = result.cases.filter((c) => c.close === 'abrupt');
  const graceful = result.cases.filter((c) => c.close === 'graceful');
  const worstCase = worst(abrupt.filter((c) => c.read === 'after-sending'));
  const worstLines = worstCase ? linesOf(worstCase) : [];
  const rst = serverRst(worstLines);
  const at = rst ? worstLines.indexOf(rst) : -1;
  const gracefulLines = graceful[0] ? linesOf(graceful[0]) : [];
  const fin = gracefulLines.findIndex((l) => l.from === 'server' && l.segment.flags.fin);
  return {
    abruptReset: abrupt.filter((c) => serverRst(linesOf(c))).length,
    abrupt: abrupt.length,
    gracefulReset: graceful.filter((c) => serverRst(linesOf(c))).length,
    excerpt: at < 0 ? [] : worstLines.slice(Math.max(0, at - 3), at + 3),
    gracefulExcerpt:
      fin < 0
        ? []
        : [
            ...gracefulLines.slice(Math.max(0, fin - 1), fin + 2),
            ...gracefulLines.filter((l) => l.from === 'client' && l.segment.flags.fin),
            ...gracefulLines.slice(-1),
          ].filter((l, i, all) => all.indexOf(l) === i),
  };
}

/** Every abrupt close reset on the wire, and no graceful one did. */
export function wireCheck(w: WireFindings): Check {
  return check(
    'on the wire: an RST from the server in every abrupt run, none in a graceful one',
    w.abrupt > 0 && w.abruptReset === w.abrupt && w.gracefulReset === 0,
    `abrupt ${w.abruptReset} of ${w.abrupt}, graceful ${w.gracefulReset}`,
  );
}

function wireLines(w: WireFindings | undefined, evidence: WireEvidence | undefined): string[] {
  if (!evidence) return [];
  const lines = ['', describeEvidence(evidence)];
  if (!w) return lines;
  lines.push(`On the wire: the server sent an RST in ${w.abruptReset} of ${w.abrupt} abrupt runs and in ${w.gracefulReset} graceful ones.`);
  if (w.excerpt.length)
    lines.push(
      'The end of the worst abrupt run (the server closed with the upload unread):',
      ...formatTrace(w.excerpt, { names: 'roles' }).map((l) => `  ${l}`),
    );
  if (w.gracefulExcerpt.length)
    lines.push(
      "The end of a graceful run (FIN, drain, then the client's FIN):",
      ...formatTrace(w.gracefulExcerpt, { names: 'roles' }).map((l) => `  ${l}`),
    );
  return lines;
}

/** Turn the measured cases (and, when captured, their packets) into the lesson's printout. */
export function toLessonResult(result: RunResult, evidence?: WireEvidence): LessonResult {
  const wire = wireFindings(result, evidence);
  const pick = (close: string, read: string) => result.cases.filter((c) => c.close === close && c.read === read);
  const abruptAfter = pick('abrupt', 'after-sending');
  const abruptWhile = pick('abrupt', 'while-sending');
  const gracefulAll = result.cases.filter((c) => c.close === 'graceful');
  const lostSome = abruptAfter.some((c) => !c.complete);
  const gracefulComplete = gracefulAll.length > 0 && gracefulAll.every((c) => c.complete && c.clientError === undefined);
  const expected = result.cases[0]?.expectedBytes ?? 0;

  const rows = result.cases.map((c, i) => [
    i + 1,
    c.close,
    c.read,
    c.receivedBytes,
    c.expectedBytes,
    c.clientError ?? '—',
    formatBytes(c.uploadedBytes),
    formatBytes(c.drainedBytes),
  ]);
  const lines = [
    'The server answers a 16 MiB upload with a 413 as soon as the request line arrives, then closes.',
    'abrupt = destroy() with unread input (the kernel sends RST); graceful = end() (FIN), drain input, then close.',
    '',
    ...table(['#', 'server close', 'client reads', 'bytes read', 'of', 'client error', 'upload accepted', 'server drained'], rows),
    '',
    lostSome
      ? `abrupt + read after sending: the RST arrived while the answer sat unread; the client got ${worst(abruptAfter)?.receivedBytes ?? 0} of ${expected} bytes and ${worst(abruptAfter)?.clientError ?? 'no error'}.`
      : 'abrupt + read after sending: this run did not lose the answer (the RST came too late to matter).',
    abruptWhile.every((c) => c.complete)
      ? 'abrupt + read while sending: the answer was read before the RST came, yet the upload still failed with a reset.'
      : 'abrupt + read while sending: even a client reading all along lost bytes here.',
    gracefulComplete
      ? 'graceful: every byte arrived and no error was raised in any run; the FIN told the client the answer was complete.'
      : 'graceful: some run still lost bytes or saw an error; look at the table above.',
  ];
  const mean = (cs: readonly CaseResult[]) => cs.reduce((s, c) => s + c.receivedBytes, 0) / Math.max(cs.length, 1);
  lines.push(...wireLines(wire, evidence));
  const onWire = trustedChecks(evidence, wire ? [wireCheck(wire)] : []);
  const ladder: Figure[] = wire?.excerpt.length
    ? [ladderFigure('The end of an abrupt close on the wire: the RST', wire.excerpt, { highlight: (l) => l.kind === 'rst' })]
    : [];
  return {
    checks: [
      check(
        'abrupt close, client reads after sending: the RST loses some of the answer',
        lostSome,
        `worst run ${worst(abruptAfter)?.receivedBytes ?? 0} of ${expected} B, ${abruptAfter.filter((c) => !c.complete).length} of ${abruptAfter.length} runs incomplete`,
      ),
      check(
        'graceful close: every byte arrives, no error, in every run',
        gracefulComplete,
        `worst run ${worst(gracefulAll)?.receivedBytes ?? 0} of ${expected} B, ${gracefulAll.filter((c) => c.clientError).length} of ${gracefulAll.length} runs with an error`,
      ),
      ...onWire.checks,
    ],
    ...(evidence?.captured === false ? { skipped: skippedCapture(evidence) } : onWire.skipped ? { skipped: onWire.skipped } : {}),
    lines,
    figures: [
      ...ladder,
      {
        kind: 'bars',
        title: `Response bytes the client read (of ${expected}), mean over runs`,
        unit: 'B',
        bars: [
          { label: 'abrupt, read after sending', value: mean(abruptAfter), note: abruptAfter[0]?.clientError ?? '' },
          { label: 'abrupt, read while sending', value: mean(abruptWhile), note: abruptWhile[0]?.clientError ?? '' },
          { label: 'graceful, read after sending', value: mean(pick('graceful', 'after-sending')) },
          { label: 'graceful, read while sending', value: mean(pick('graceful', 'while-sending')) },
        ],
      },
    ],
    measurements: [
      ...(wire
        ? [
            {
              label: 'abrupt runs whose server sent an RST, on the wire',
              value: wire.abruptReset,
              unit: `of ${wire.abrupt}`,
              textbook: 'close() with unread data sends RST, not FIN (RFC 1122 §4.2.2.13, RFC 9293 §3.6.1)',
            },
          ]
        : []),
      {
        label: 'bytes read, abrupt close, client reads after sending (worst run)',
        value: worst(abruptAfter)?.receivedBytes ?? 0,
        unit: 'B',
        textbook: 'lost: the reset "deletes the peer\'s unread buffered data"',
      },
      {
        label: 'bytes read, graceful close (worst run)',
        value: worst(gracefulAll)?.receivedBytes ?? 0,
        unit: 'B',
        textbook: `all ${expected}: closing output is always safe`,
      },
      {
        label: 'runs that saw ECONNRESET/EPIPE, abrupt',
        value: [...abruptAfter, ...abruptWhile].filter((c) => c.clientError).length,
        unit: `of ${abruptAfter.length + abruptWhile.length}`,
      },
      {
        label: 'runs that saw an error, graceful',
        value: gracefulAll.filter((c) => c.clientError).length,
        unit: `of ${gracefulAll.length}`,
      },
    ],
  };
}

/** The lesson's default run; `quick` repeats each case once instead of three times. */
export function lessonOptions(quick: boolean): RunOptions {
  return { repeats: quick ? 1 : 3, uploadBytes: undefined, lingerMs: undefined };
}

export const lesson = defineLesson({
  number: 13,
  slug: 'graceful-close',
  title: 'Graceful close vs RST',
  effect:
    'a server that closes while input still arrives resets the connection and the client loses the answer; half-close + drain delivers it',
  needsRoot: 'no',
  flags: {
    uploadBytes: { type: 'int', min: 1024, max: 256 << 20, help: 'bytes the client uploads (default 16 MiB)' },
    lingerMs: {
      type: 'int',
      min: 0,
      max: 10_000,
      help: 'graceful close: how long the server drains input after its FIN before it destroys the socket, ms',
    },
    repeats: { type: 'int', min: 1, max: 20, help: 'runs of each of the four cases (default 3, 1 with --quick)' },
  },
  async run(ctx) {
    ctx.progress('uploading at a server that answers early and closes, four ways');
    // Inside a lab namespace when there is one, so its loopback carries only this run's packets.
    const pcapPath = capturePath(ctx, { number: 13, slug: 'graceful-close' });
    const captured = await runCaptured<RunResult>(
      new URL('./experiment.ts', import.meta.url),
      'run',
      withFlags(lessonOptions(ctx.quick), ctx.flags),
      pcapPath ? { pcapPath } : {},
    );
    return toLessonResult(captured.result, wireEvidence(captured));
  },
});
