// Lesson 01 for the tour: run the experiment, compare with the notes, decide
// from the measurements whether the effect showed.
import type { Check, Figure, LessonResult, Measurement } from '@connlab/lab';
import { check, defineLesson, formatBytes, withFlags } from '@connlab/lab';
import type { ExperimentResult } from './experiment.js';
import { run, serverLog } from './experiment.js';

const join = (sizes: readonly number[]): string => sizes.join(' + ');
const sum = (sizes: readonly number[]): number => sizes.reduce((a, b) => a + b, 0);

/** Did the run show what the lesson is about? Each check is one claim of the lesson. */
export function effectShown(r: ExperimentResult): Check[] {
  const reads = r.notesPair.serverReads.map((b) => b.length);
  const kernel = r.notesPair.kernelReads;
  const close = (c: ExperimentResult['close']['clientFirst']): string =>
    `first close by ${c.closedFirstBy}, ${c.aborted === undefined ? 'no reset' : `reset (${c.aborted})`}`;
  return [
    check(
      'every byte of the message came back, in order',
      r.notesPair.intact && r.notesPair.received === r.notesPair.sent,
      `${r.notesPair.received} of ${r.notesPair.sent} B, ${r.notesPair.intact ? 'identical' : 'different'}`,
    ),
    // The recv(16) loop's piece size is the server's own choice, so it is shown, not checked;
    // what is checked is what the kernel delivered, which the server does not control.
    check(
      `the kernel delivered the ${r.notesPair.sent}-byte message in reads larger than ${r.readSize} B: the ${r.readSize}-byte pieces are the reader's doing`,
      kernel.length > 0 && sum(kernel) === r.notesPair.sent && Math.max(...kernel) > r.readSize,
      `kernel ${join(kernel) || 'nothing seen'}; recv(${r.readSize}) loop ${join(reads)}`,
    ),
    check(
      'the kernel delivered the paused writes as separate reads: boundaries follow timing, not messages',
      r.stream.kernelReads.length >= 2 && sum(r.stream.kernelReads) === r.notesPair.sent,
      `writes ${join(r.stream.writes)} → kernel reads ${join(r.stream.kernelReads) || 'none seen'}`,
    ),
    check(
      'a single read returned only part of the message',
      r.stream.intact && r.stream.firstRead < r.notesPair.sent,
      `first read ${r.stream.firstRead} of ${r.notesPair.sent} B`,
    ),
    check(
      'the single write and the sendall loop both delivered every byte',
      r.sendall.intact,
      `${formatBytes(r.sendall.bytes)} ${r.sendall.intact ? 'bit-exact' : 'NOT bit-exact'}`,
    ),
    check(
      'the client closed first with a clean FIN exchange',
      r.close.clientFirst.closedFirstBy === 'peer' && r.close.clientFirst.aborted === undefined,
      close(r.close.clientFirst),
    ),
    check(
      'the server closed first with a clean FIN exchange',
      r.close.serverFirst.closedFirstBy === 'server' && r.close.serverFirst.aborted === undefined && r.close.serverFirst.destroyed === 0,
      `${close(r.close.serverFirst)}, ${r.close.serverFirst.destroyed} destroyed`,
    ),
  ];
}

export function toLessonResult(r: ExperimentResult): LessonResult {
  const serverReads = r.notesPair.serverReads.map((b) => b.length);
  const checks = effectShown(r);
  const measurements: Measurement[] = [
    {
      label: `server reads for the ${r.notesPair.sent}-byte message`,
      value: serverReads.length,
      unit: 'reads',
      textbook: `recv(16) in a loop: ⌈${r.notesPair.sent}/16⌉ = ${Math.ceil(r.notesPair.sent / 16)}`,
    },
    { label: 'largest single server read', value: Math.max(...serverReads), unit: 'B', textbook: 'at most 16 B (recv(16))' },
    {
      label: `kernel reads that delivered the ${r.notesPair.sent}-byte message`,
      value: r.notesPair.kernelReads.length,
      unit: 'reads',
      textbook: 'a stream: as many or as few as the kernel likes',
    },
    {
      label: 'bytes that came back',
      value: r.notesPair.received,
      unit: 'B',
      textbook: `num_received == num_excepted == ${r.notesPair.sent}`,
    },
    {
      label: `first single read (message sent as ${r.stream.writes.length} writes)`,
      value: r.stream.firstRead,
      unit: 'B',
      textbook: 'a stream keeps no message boundaries',
    },
    ...(r.sendall.singleWriteAccepted === undefined
      ? []
      : [
          {
            label: `one write() of ${formatBytes(r.sendall.bytes)}: taken by the kernel at once`,
            value: r.sendall.singleWriteAccepted,
            unit: 'B',
            textbook: 'send() may take only part; sendall() loops',
          },
        ]),
    { label: `sendall loop: waits for 'drain' over ${r.sendall.writes} writes`, value: r.sendall.drainWaits, unit: 'waits' },
  ];

  const lines = [
    `Part 1, the notes' pair: the client sent ${r.notesPair.sent} bytes in one sendall. The kernel delivered them to the server as ${join(r.notesPair.kernelReads) || '(not seen)'};`,
    `  the server's recv(${r.readSize}) loop then took them as ${join(serverReads)} and echoed each piece. The ${r.readSize} is the reader's choice, not the stream's.`,
    `The client's recv(${r.readSize}) loop got ${join(r.notesPair.clientReads)} = ${r.notesPair.received} bytes back${r.notesPair.intact ? ', identical to what it sent' : ', NOT identical'}.`,
    '',
    `Part 2, a stream has no boundaries: the same message written as ${join(r.stream.writes)} bytes (${r.stream.writes.length} writes, paused between them)`,
    `  the kernel delivered it to the server as ${join(r.stream.kernelReads) || '(not seen)'}; the recv(${r.readSize}) loop took ${join(r.stream.serverReads)}; the client read it as ${join(r.stream.clientReads)}.`,
    `  A client that reads once gets ${r.stream.firstRead} of ${r.notesPair.sent} bytes: it must loop until it has them all.`,
    '',
    `Part 3, send vs sendall: one write() of ${formatBytes(r.sendall.bytes)}` +
      (r.sendall.singleWriteAccepted === undefined
        ? ' (this Node does not show how much the kernel took at once).'
        : r.sendall.singleWriteAccepted < r.sendall.bytes
          ? `: the kernel took ${formatBytes(r.sendall.singleWriteAccepted)} during the call; Node queued the other ${formatBytes(r.sendall.bytes - r.sendall.singleWriteAccepted)}.`
          : ': the socket buffers were large enough to take all of it this time; a bigger payload would not fit.'),
    `  A non-blocking send() returns just that first number and leaves the rest to you (Node's sockets are non-blocking; so is a Python socket with a timeout). The sendall-style loop (${r.sendall.writes} writes of 64 KiB, waiting for 'drain' ${r.sendall.drainWaits} ${r.sendall.drainWaits === 1 ? 'time' : 'times'}) kept memory bounded; both came back bit-exact: ${r.sendall.intact ? 'yes' : 'NO'}.`,
    '',
    'Part 4, who closes: both orders ended with two FINs and no reset.',
  ];

  const figures: Figure[] = [
    {
      kind: 'table',
      title: "Part 1: the server log, one line per read (the notes' server prints the same)",
      columns: ['read', 'bytes', 'data'],
      rows: serverLog(r.notesPair.serverReads).map((line, i) => [
        i + 1,
        r.notesPair.serverReads[i]!.length,
        line.replace(/^received /, ''),
      ]),
    },
    {
      kind: 'bars',
      title: `Part 2: the same ${r.notesPair.sent} bytes, seen four ways`,
      unit: 'pieces',
      bars: [
        { label: 'client writes', value: r.stream.writes.length, note: join(r.stream.writes) },
        { label: 'kernel reads (server)', value: r.stream.kernelReads.length, note: join(r.stream.kernelReads) },
        { label: 'server reads', value: r.stream.serverReads.length, note: join(r.stream.serverReads) },
        { label: 'client reads', value: r.stream.clientReads.length, note: join(r.stream.clientReads) },
      ],
    },
    ...(['clientFirst', 'serverFirst'] as const).map((which): Figure => ({
      kind: 'table',
      title: `Part 4: ${which === 'clientFirst' ? 'the client closes first (as in the notes)' : 'the server closes first (server close())'}`,
      columns: ['ms', 'side', 'event'],
      rows: r.close[which].events.map((e) => [e.ms.toFixed(2), e.who, e.what]),
    })),
  ];

  return { checks, measurements, lines, figures };
}

export const lesson = defineLesson({
  number: 1,
  slug: 'echo',
  title: 'TCP echo client and server',
  effect:
    'bytes arrive in order but in arbitrary pieces: a reader loops until it has them all; sendall vs one send; either side can close cleanly',
  needsRoot: 'no',
  flags: {
    message: { type: 'string', help: "what the client sends (default: the notes' 103-byte message)" },
    readSize: { type: 'int', min: 1, max: 65536, help: "the server's bytes per read, the notes' recv(16) (default 16)" },
    bulkBytes: { type: 'int', min: 1024, max: 256 << 20, help: 'bytes for the one write() vs sendall comparison (default 8 MiB)' },
    gapMs: { type: 'int', min: 0, max: 5000, help: 'pause between the three writes of part 2 (default 25)' },
  },
  async run(ctx) {
    ctx.progress("echoing the notes' message through a 16-byte-read server");
    // 8 MiB either way: it takes well under a second, and a smaller payload
    // fits in loopback's socket buffers, so one write() would take it all.
    const result = await run(withFlags({ bulkBytes: 8 << 20, message: undefined, readSize: undefined, gapMs: undefined }, ctx.flags));
    return toLessonResult(result);
  },
});
