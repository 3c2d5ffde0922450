// Lesson 13: closing input while the peer still sends loses the answer; half-close + drain keeps it.
import { check, defineLesson, formatBytes, table } from '@connlab/lab';
import type { LessonResult } from '@connlab/lab';
import { run } from './experiment.js';
import type { CaseResult, RunOptions, RunResult } from './experiment.js';

function worst(cases: readonly CaseResult[]): CaseResult | undefined {
  return [...cases].sort((a, b) => a.receivedBytes - b.receivedBytes)[0];
}

/** Turn the measured cases into the lesson's printout. */
export function toLessonResult(result: RunResult): LessonResult {
  const pick = (close: string, read: string) => result.cases.filter((c) => c.close === close && c.read === read);
  const abruptAfter = pick('abrupt', 'after-sending');
  const abruptWhile = pick('abrupt', 'while-sending');
  const gracefulAll = result.cases.filter((c) => c.close === 'graceful');
  const lostSome = abruptAfter.some((c) => !c.complete);
  const gracefulComplete = gracefulAll.length > 0 && gracefulAll.every((c) => c.complete && c.clientError === undefined);
  const expected = result.cases[0]?.expectedBytes ?? 0;

  const rows = result.cases.map((c, i) => [
    i + 1, c.close, c.read, c.receivedBytes, c.expectedBytes, c.clientError ?? '—', formatBytes(c.uploadedBytes), formatBytes(c.drainedBytes),
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
  return {
    checks: [
      check('abrupt close, client reads after sending: the RST loses some of the answer', lostSome,
        `worst run ${worst(abruptAfter)?.receivedBytes ?? 0} of ${expected} B, ${abruptAfter.filter((c) => !c.complete).length} of ${abruptAfter.length} runs incomplete`),
      check('graceful close: every byte arrives, no error, in every run', gracefulComplete,
        `worst run ${worst(gracefulAll)?.receivedBytes ?? 0} of ${expected} B, ${gracefulAll.filter((c) => c.clientError).length} of ${gracefulAll.length} runs with an error`),
    ],
    lines,
    figures: [{
      kind: 'bars',
      title: `Response bytes the client read (of ${expected}), mean over runs`,
      unit: 'B',
      bars: [
        { label: 'abrupt, read after sending', value: mean(abruptAfter), note: abruptAfter[0]?.clientError ?? '' },
        { label: 'abrupt, read while sending', value: mean(abruptWhile), note: abruptWhile[0]?.clientError ?? '' },
        { label: 'graceful, read after sending', value: mean(pick('graceful', 'after-sending')) },
        { label: 'graceful, read while sending', value: mean(pick('graceful', 'while-sending')) },
      ],
    }],
    measurements: [
      { label: 'bytes read, abrupt close, client reads after sending (worst run)', value: worst(abruptAfter)?.receivedBytes ?? 0, unit: 'B', textbook: 'lost: the reset "deletes the peer\'s unread buffered data"' },
      { label: 'bytes read, graceful close (worst run)', value: worst(gracefulAll)?.receivedBytes ?? 0, unit: 'B', textbook: `all ${expected}: closing output is always safe` },
      { label: 'runs that saw ECONNRESET/EPIPE, abrupt', value: [...abruptAfter, ...abruptWhile].filter((c) => c.clientError).length, unit: `of ${abruptAfter.length + abruptWhile.length}` },
      { label: 'runs that saw an error, graceful', value: gracefulAll.filter((c) => c.clientError).length, unit: `of ${gracefulAll.length}` },
    ],
  };
}

/** The lesson's default run; `quick` repeats each case once instead of three times. */
export function lessonOptions(quick: boolean): RunOptions {
  return { repeats: quick ? 1 : 3 };
}

export const lesson = defineLesson({
  number: 13,
  slug: 'graceful-close',
  title: 'Graceful close vs RST',
  effect: 'a server that closes while input still arrives resets the connection and the client loses the answer; half-close + drain delivers it',
  needsRoot: 'no',
  async run(ctx) {
    ctx.progress('uploading 16 MiB at a server that answers early and closes, four ways');
    return toLessonResult(await run(lessonOptions(ctx.quick)));
  },
});
