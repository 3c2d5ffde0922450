// Lesson 09: the keep-alive timer restarts after every response.
import { capturePath, check, defineLesson, formatMs, table, withFlags } from '@connlab/lab';
import type { Check, Figure, LessonResult, WaterfallFigure } from '@connlab/lab';
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
import { defaultOptions, quickOptions } from './experiment.js';
import type { LateRequest, RunResult } from './experiment.js';

/** The numbers the lesson is about, derived from one run. */
export interface Timing {
  firstRequestAt: number;
  firstResponseAt: number;
  lastResponseAt: number;
  /** Server FIN − last response: the idle timeout as it really ran. */
  finAfterLast: number;
  /** Server FIN − first response. */
  finAfterFirst: number;
  /** Server FIN (seen by the client) − the server's idle deadline after the last response: how late the timer fired. */
  finAfterDeadline: number;
  /**
   * connect + (last response − first request) + timeout: the notes' formula
   * (connect + (last response − first request) + close + 2MSL) corrected:
   * the notes leave out the timeout; the close and 2MSL come after the FIN.
   */
  predictedLifetime: number;
  /** connect() called → server FIN. */
  measuredLifetime: number;
}

export function timing(r: RunResult): Timing | null {
  const first = r.exchanges[0];
  const last = r.exchanges[r.exchanges.length - 1];
  if (!first || !last || r.finAt === null) return null;
  return {
    firstRequestAt: first.sentAt,
    firstResponseAt: first.respondedAt,
    lastResponseAt: last.respondedAt,
    finAfterLast: r.finAt - last.respondedAt,
    finAfterFirst: r.finAt - first.respondedAt,
    finAfterDeadline: last.deadlineAt === null ? Number.NaN : r.finAt - last.deadlineAt,
    predictedLifetime: r.connectedAt + (last.respondedAt - first.sentAt) + r.options.timeoutMs,
    measuredLifetime: r.finAt,
  };
}

/** Slack allowed past the timeout before we say the timer did not fire on time (timer + event-loop noise on a busy machine). */
export function lateSlackMs(timeoutMs: number): number {
  return Math.max(250, timeoutMs / 2);
}

function describeLate(l: LateRequest): string {
  const parts = [
    l.writeError ? `the write failed with ${l.writeError}` : 'the kernel accepted the write',
    l.responseBytes === 0 ? 'no response came' : `${l.responseBytes} response bytes came (!)`,
  ];
  if (l.socketError) parts.push(`the socket then failed with ${l.socketError}`);
  if (l.secondWriteError) parts.push(`a second write failed with ${l.secondWriteError}`);
  return parts.join(', ');
}

function waterfall(r: RunResult, t: Timing): WaterfallFigure {
  const rows: WaterfallFigure['rows'] = [{ label: 'TCP connect', spans: [{ start: 0, end: r.connectedAt, phase: 'connect' }] }];
  r.exchanges.forEach((e, i) => {
    const next = r.exchanges[i + 1];
    rows.push({
      label: `request ${i + 1}`,
      spans: [
        { start: e.sentAt, end: e.respondedAt, phase: 'request → response' },
        {
          start: e.respondedAt,
          end: next ? next.sentAt : (r.finAt ?? e.respondedAt),
          phase: next ? 'idle (timer restarts at the next response)' : 'idle → timeout',
        },
      ],
    });
  });
  rows.push({
    label: 'if timed from response 1',
    spans: [{ start: t.firstResponseAt, end: t.firstResponseAt + r.options.timeoutMs, phase: 'a timer that never restarts' }],
  });
  if (r.finAt !== null) {
    rows.push({
      label: 'server FIN → closed',
      spans: [
        { start: r.finAt, end: r.afterFin.sentAt, phase: 'FIN' },
        { start: r.afterFin.sentAt, end: r.closedAt ?? r.afterFin.sentAt + r.options.lateWaitMs, phase: 'request after FIN: lost' },
      ],
    });
  }
  return {
    kind: 'waterfall',
    title: `One keep-alive connection, timeout ${formatMs(r.options.timeoutMs)}, requests ${formatMs(r.options.gapMs)} apart`,
    unit: 'ms',
    rows,
  };
}

/** The timed connection on the wire: the server's FIN and how long after the last response it left. */
export interface WireFindings {
  lines: TraceLine[];
  /** Server FIN − the last response segment, both as captured; NaN without a FIN. */
  finAfterLastMs: number;
  /** From the last response to the end of the connection. */
  excerpt: TraceLine[];
}

export function wireFindings(r: RunResult, evidence: WireEvidence | undefined): WireFindings | undefined {
  if (!evidence?.captured) return undefined;
  const lines = connectionOf(evidence.lines, r.clientPort);
  const fin = lines.find((l) => l.from === 'server' && l.segment.flags.fin);
  const lastResponse = fin
    ? lines.slice(0, lines.indexOf(fin)).findLast((l) => l.from === 'server' && l.segment.payloadLength > 0)
    : undefined;
  return {
    lines,
    finAfterLastMs: fin && lastResponse ? fin.timeMs - lastResponse.timeMs : Number.NaN,
    excerpt: lastResponse ? lines.slice(lines.indexOf(lastResponse), lines.indexOf(lastResponse) + 10) : [],
  };
}

/** The FIN on the wire came one timeout after the last response: not before it, not much after. */
export function wireCheck(w: WireFindings, timeoutMs: number): Check {
  return check(
    `on the wire: server FIN one timeout after the last response segment (≥ ${formatMs(timeoutMs - 5)}, ≤ ${formatMs(timeoutMs + lateSlackMs(timeoutMs))})`,
    w.finAfterLastMs >= timeoutMs - 5 && w.finAfterLastMs <= timeoutMs + lateSlackMs(timeoutMs),
    formatMs(w.finAfterLastMs),
  );
}

/** Turn the timed connection (and, when captured, its packets) into the lesson's printout. */
export function toLessonResult(r: RunResult, evidence?: WireEvidence): LessonResult {
  const wire = wireFindings(r, evidence);
  const t = timing(r);
  const T = r.options.timeoutMs;
  const allAnswered = r.exchanges.length === r.options.requests;
  // Not before the server's deadline (response written + T, on the server's clock: the client may see a
  // response late on a busy machine), and not much after one timeout from the last response.
  const fromLast = !!t && t.finAfterDeadline >= -2 && t.finAfterLast <= T + lateSlackMs(T);
  // The last request was sent more than T after the first response, and still answered.
  const lastSentAfterFirst = t ? (r.exchanges[r.exchanges.length - 1]?.sentAt ?? 0) - t.firstResponseAt : Number.NaN;
  const notFromFirst = allAnswered && lastSentAfterFirst > T;
  const lateLost = r.afterFin.responseBytes === 0 && r.afterGone.responseBytes === 0;
  const twOk = r.timeWait.server >= 1 && r.timeWait.client === 0;

  const rows = r.exchanges.map((e, i) => [
    i + 1,
    formatMs(e.sentAt),
    formatMs(e.respondedAt),
    e.deadlineAt === null ? '—' : formatMs(e.deadlineAt),
    i === 0 ? '—' : formatMs(e.sentAt - r.exchanges[0]!.respondedAt),
  ]);
  const lines = [
    `Server: @connlab/http, keepAliveTimeoutMs=${T}. Client: a raw socket sending ${r.options.requests} requests ${formatMs(r.options.gapMs)} apart.`,
    'Times are ms after connect() was called; "deadline" is the server\'s idle deadline read from server.connections() right after the response.',
    '',
    ...table(['#', 'request sent', 'response', 'server deadline', 'after response 1'], rows),
    '',
    r.finAt === null
      ? 'The server never closed the connection.'
      : `Server FIN at ${formatMs(r.finAt)}: ${formatMs(t?.finAfterLast ?? Number.NaN)} after the last response, ${formatMs(t?.finAfterFirst ?? Number.NaN)} after the first. Server's reason: ${r.serverReason ?? '?'}.`,
    notFromFirst
      ? `Request ${r.exchanges.length} left ${formatMs(lastSentAfterFirst)} after response 1, past the ${formatMs(T)} timeout, and was answered: the timer had restarted.`
      : 'The requests did not outlast the timeout from the first response, so this run does not tell the two timers apart.',
    t
      ? `Lifetime: measured ${formatMs(t.measuredLifetime)} to the FIN; connect ${formatMs(r.connectedAt)} + (last response − first request) ${formatMs(t.lastResponseAt - t.firstRequestAt)} + timeout ${formatMs(T)} = ${formatMs(t.predictedLifetime)} (the notes' formula leaves out the timeout; this lesson adds it).`
      : '',
    r.timeWait.available
      ? `After the close: ${r.timeWait.server} TIME_WAIT socket on the server's side, ${r.timeWait.client} on the client's (the server sent the first FIN)${r.timeWait.remainingMs === null ? '' : `, ${formatMs(r.timeWait.remainingMs)} left on its 2MSL timer`}.`
      : 'TIME_WAIT not counted: /proc/net/tcp is not readable here.',
    `A request written right after the FIN: ${describeLate(r.afterFin)}; the server was draining and threw it away.`,
    `A request written after the server dropped the socket: ${describeLate(r.afterGone)}.`,
    '',
    'The wire (timed connection):',
    ...r.transcript,
    ...(evidence ? ['', describeEvidence(evidence)] : []),
  ];
  if (wire) {
    lines.push(
      Number.isFinite(wire.finAfterLastMs)
        ? `On the wire the server's FIN left ${formatMs(wire.finAfterLastMs)} after its last response segment (timeout ${formatMs(T)}).`
        : 'No FIN from the server was captured.',
      ...formatTrace(wire.excerpt, { names: 'roles' }).map((l) => `  ${l}`),
    );
  }
  const figures: Figure[] = t ? [waterfall(r, t)] : [];
  const onWire = trustedChecks(evidence, wire ? [wireCheck(wire, T)] : []);
  const skipped = [
    ...(r.timeWait.available ? [] : ['skipped: counting TIME_WAIT needs a readable /proc/net/tcp (Linux)']),
    ...(evidence?.captured === false ? [skippedCapture(evidence)] : []),
    ...(onWire.skipped ? [onWire.skipped] : []),
  ];
  if (wire?.lines.length)
    figures.push(
      ladderFigure(`The timed connection on the wire, timeout ${formatMs(T)}`, wire.lines, {
        highlight: (l) => l.from === 'server' && l.segment.flags.fin,
      }),
    );
  return {
    checks: [
      check('every request answered', allAnswered, `${r.exchanges.length} of ${r.options.requests}`),
      check(
        `server FIN one timeout after the LAST response (≥ deadline − 2 ms, ≤ ${formatMs(T + lateSlackMs(T))})`,
        fromLast,
        t ? `${formatMs(t.finAfterLast)} after the last response, ${formatMs(t.finAfterDeadline)} after the deadline` : 'no FIN',
      ),
      check(`a request sent > ${formatMs(T)} after response 1 was answered (timer restarts)`, notFromFirst, formatMs(lastSentAfterFirst)),
      check(
        'requests written after the FIN get no response',
        lateLost,
        `${[r.afterFin, r.afterGone].filter((l) => l.responseBytes > 0).length} of 2 answered`,
      ),
      ...onWire.checks,
      ...(r.timeWait.available
        ? [
            check(
              'TIME_WAIT on the server (the active closer), none on the client',
              twOk,
              `server ${r.timeWait.server}, client ${r.timeWait.client}`,
            ),
          ]
        : []),
    ],
    ...(skipped.length ? { skipped: skipped.join('; ') } : {}),
    lines,
    figures,
    measurements: [
      ...(wire
        ? [
            {
              label: 'server FIN after the last response, on the wire',
              value: wire.finAfterLastMs,
              unit: 'ms',
              textbook: "keepalive_timeout after the last response (the notes' tcpdump: 180 s)",
            },
          ]
        : []),
      {
        label: 'server FIN after the LAST response',
        value: t?.finAfterLast ?? Number.NaN,
        unit: 'ms',
        textbook: 'keepalive_timeout after the last response (180 s in the notes)',
      },
      {
        label: "server FIN after the server's idle deadline",
        value: t?.finAfterDeadline ?? Number.NaN,
        unit: 'ms',
        textbook: 'the deadline moves to response + timeout',
      },
      {
        label: 'server FIN after the first response',
        value: t?.finAfterFirst ?? Number.NaN,
        unit: 'ms',
        textbook: '3 requests 120 s apart outlived a 180 s timeout',
      },
      {
        label: 'connection lifetime, connect → server FIN',
        value: t?.measuredLifetime ?? Number.NaN,
        unit: 'ms',
        textbook: 'notes: connect + (last response − first request) + close + 2MSL; they leave out the timeout, the lesson adds it',
      },
      { label: '… the corrected formula, from the measured parts', value: t?.predictedLifetime ?? Number.NaN, unit: 'ms' },
      {
        label: 'TIME_WAIT sockets held by the server side',
        value: r.timeWait.server,
        unit: '',
        textbook: 'the server, the active closer, enters TIME_WAIT',
      },
      { label: 'TIME_WAIT sockets held by the client side', value: r.timeWait.client, unit: '', textbook: '0: the client closed second' },
      {
        label: 'TIME_WAIT timer left when counted',
        value: r.timeWait.remainingMs ?? Number.NaN,
        unit: 'ms',
        textbook: '+ 2MSL: 60 s (notes 004; Linux TCP_TIMEWAIT_LEN); "usually 2 minutes" (book)',
      },
      {
        label: 'responses to requests written after the FIN',
        value: [r.afterFin, r.afterGone].filter((l) => l.responseBytes > 0).length,
        unit: 'of 2',
        textbook: 'a closing connection carries no more requests',
      },
    ],
  };
}

export const lesson = defineLesson({
  number: 9,
  slug: 'keep-alive-timeout',
  title: 'Keep-alive timeout semantics',
  effect:
    "the server's FIN comes one timeout after the LAST response (the idle timer restarts after each), and a closed connection takes no more requests",
  needsRoot: 'no',
  flags: {
    timeoutMs: { type: 'int', min: 50, max: 60_000, help: "the server's keep-alive timeout, ms (default 1000, 500 with --quick)" },
    gapMs: { type: 'int', min: 0, max: 60_000, help: 'pause between requests, ms (default 700, 350 with --quick)' },
    requests: { type: 'int', min: 1, max: 20, help: 'requests on the timed connection (default 3)' },
    lingerMs: {
      type: 'int',
      min: 0,
      max: 10_000,
      help: 'how long the closing server discards late bytes before it resets, ms (default 500)',
    },
    lateWaitMs: { type: 'int', min: 10, max: 10_000, help: 'how long to wait for an answer to a late request, ms (default 250)' },
  },
  async run(ctx) {
    const options = withFlags(ctx.quick ? quickOptions : defaultOptions, ctx.flags);
    ctx.progress(`${options.requests} requests ${options.gapMs} ms apart on one connection, keep-alive timeout ${options.timeoutMs} ms`);
    // Inside a lab namespace when there is one, so its loopback carries only this run's packets.
    const pcapPath = capturePath(ctx, { number: 9, slug: 'keep-alive-timeout' });
    const captured = await runCaptured<RunResult>(
      new URL('./experiment.ts', import.meta.url),
      'run',
      options,
      pcapPath ? { pcapPath } : {},
    );
    return toLessonResult(captured.result, wireEvidence(captured));
  },
});
