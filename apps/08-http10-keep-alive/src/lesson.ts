// Lesson 08: HTTP/1.0 keep-alive is asked for by the client and echoed by the server.
import { check, defineLesson, withFlags } from '@connlab/lab';
import type { LessonResult } from '@connlab/lab';
import { defaultOptions, run } from './experiment.js';
import { hintChecks, hintFigure, hintLines, hintMeasurements } from './hint-lesson.js';
import type { CaseName, CaseResult, RunOptions, RunResult } from './experiment.js';

/** Did the server close the connection before the client did? */
export function serverClosedFirst(c: CaseResult): boolean {
  return c.serverFinAt !== null && c.serverFinAt <= c.clientFinAt;
}

const titles: Record<CaseName, string> = {
  'http10-plain': 'HTTP/1.0, no Connection header',
  'http10-keep-alive': 'HTTP/1.0, Connection: Keep-Alive on every request',
  'http10-forgot': 'HTTP/1.0, Keep-Alive on request 1 only',
  'http11-default': 'HTTP/1.1, no Connection header',
};

/** The transcript of a case; long keep-alive runs keep the first and last exchange. */
function transcriptOf(c: CaseResult): string[] {
  const first = c.exchanges[0];
  const last = c.exchanges[c.exchanges.length - 1];
  if (c.exchanges.length <= 3 || !first || !last) return c.transcript;
  const middle = c.exchanges
    .slice(1, -1)
    .map((e) => `"${e.keepAlive}"`)
    .join(', ');
  return [
    ...first.lines,
    `            … requests 2–${c.exchanges.length - 1}: the same exchange, answered with Keep-Alive ${middle} …`,
    ...last.lines,
    ...c.tail,
  ];
}

function who(c: CaseResult): string {
  if (serverClosedFirst(c)) return `server, after response ${c.exchanges.length}`;
  return 'client (server kept it open)';
}

/** Turn the measured conversations into the lesson's printout. */
export function toLessonResult(result: RunResult): LessonResult {
  const get = (name: CaseName): CaseResult | undefined => result.cases.find((c) => c.name === name);
  const plain = get('http10-plain');
  const ka = get('http10-keep-alive');
  const forgot = get('http10-forgot');
  const h11 = get('http11-default');
  const max = result.options.maxRequests;

  const plainClosed = !!plain && plain.exchanges.length === 1 && serverClosedFirst(plain) && /close/i.test(plain.exchanges[0]!.connection);
  const kaFirst = ka?.exchanges[0];
  const kaEchoed =
    !!kaFirst && /keep-alive/i.test(kaFirst.connection) && /timeout=\d+/.test(kaFirst.keepAlive) && /max=\d+/.test(kaFirst.keepAlive);
  // The notes: "max=5": at most 5 more transactions after the response that says so.
  const advertisedMax = Number(/max=(\d+)/.exec(kaFirst?.keepAlive ?? '')?.[1] ?? Number.NaN);
  const followed = (ka?.exchanges.length ?? 0) - 1;
  const kaMax =
    !!ka &&
    ka.openAfterFirst &&
    advertisedMax === max &&
    followed === advertisedMax &&
    serverClosedFirst(ka) &&
    /close/i.test(ka.exchanges.at(-1)?.connection ?? '');
  const forgotClosed = !!forgot && forgot.exchanges.length === 2 && serverClosedFirst(forgot);
  const h11Open =
    !!h11 && h11.openAfterFirst && h11.exchanges.length === 2 && !serverClosedFirst(h11) && h11.exchanges.every((e) => e.connection === '');

  const lines: string[] = [
    `The server: @connlab/http with maxRequestsPerConnection=${max + 1} and keepAliveTimeoutMs=${result.options.keepAliveTimeoutMs}, so its first response says the notes' "max=${max}, timeout=${Math.ceil(result.options.keepAliveTimeoutMs / 1000)}".`,
    'The client: a raw socket; every byte below is what crossed the wire (\\r\\n shown as text).',
  ];
  for (const c of result.cases) {
    lines.push('', `── ${titles[c.name]} ──`, ...transcriptOf(c));
  }
  lines.push(
    '',
    plainClosed
      ? "HTTP/1.0 without Keep-Alive: one response, then the server's FIN."
      : 'HTTP/1.0 without Keep-Alive: the server did NOT close after one response.',
    kaEchoed
      ? `Connection: Keep-Alive was echoed as "${kaFirst.connection}" with "Keep-Alive: ${kaFirst.keepAlive}".`
      : 'The server did not echo Connection: keep-alive with a Keep-Alive field.',
    kaMax
      ? `Response 1 said max=${advertisedMax}; exactly ${followed} more requests were answered, the last with "Connection: close" instead of max=0.`
      : `Response 1 said max=${Number.isNaN(advertisedMax) ? '—' : advertisedMax}, and ${followed} more requests were answered after it.`,
    forgotClosed
      ? 'A request without Connection: Keep-Alive ends a 1.0 keep-alive connection: the header must be on every request.'
      : 'Dropping the header on request 2 did not close the connection.',
    h11Open
      ? 'HTTP/1.1 stayed open with no Connection header at all: persistent is the default.'
      : 'HTTP/1.1 did not stay open by default.',
  );

  lines.push('', ...hintLines(result.hint));
  return {
    checks: [
      check(
        'HTTP/1.0 without Keep-Alive: one response, then the server closes',
        plainClosed,
        `${plain?.exchanges.length ?? 0} response(s), closed by ${plain ? who(plain) : '—'}`,
      ),
      check(
        'Connection: Keep-Alive echoed with a Keep-Alive: timeout, max field',
        kaEchoed,
        kaFirst ? `"${kaFirst.connection}", "${kaFirst.keepAlive}"` : 'no response',
      ),
      check(
        `"max=${max}" on response 1, then exactly that many more responses, the last saying Connection: close`,
        kaMax,
        `max=${Number.isNaN(advertisedMax) ? '—' : advertisedMax}, then ${followed} more, last "${ka?.exchanges.at(-1)?.connection ?? ''}"`,
      ),
      ...hintChecks(result.hint),
      check(
        'request 2 without Keep-Alive ends a 1.0 connection',
        forgotClosed,
        `${forgot?.exchanges.length ?? 0} responses, closed by ${forgot ? who(forgot) : '—'}`,
      ),
      check(
        'HTTP/1.1 stays open with no Connection header',
        h11Open,
        `${h11?.exchanges.length ?? 0} responses, closed by ${h11 ? who(h11) : '—'}`,
      ),
    ],
    lines,
    figures: [
      {
        kind: 'table',
        title: 'What each connection carried',
        columns: [
          'conversation',
          'requests sent',
          'answered',
          'Connection (1st → last)',
          'Keep-Alive (1st)',
          'closed by',
          "server's reason",
        ],
        rows: result.cases.map((c) => [
          titles[c.name],
          c.requestsSent,
          c.exchanges.length,
          `${c.exchanges[0]?.connection || '—'} → ${c.exchanges[c.exchanges.length - 1]?.connection || '—'}`,
          c.exchanges[0]?.keepAlive || '—',
          who(c),
          c.serverReason ?? '?',
        ]),
      },
      hintFigure(result.hint),
    ],
    measurements: [
      {
        label: 'responses on a 1.0 connection without Keep-Alive',
        value: plain?.exchanges.length ?? 0,
        unit: '',
        textbook: '1: the server closes after that request',
      },
      { label: 'max advertised in the first response', value: advertisedMax, unit: '', textbook: '"max=5": at most 5 more transactions' },
      {
        label: 'requests answered after that first response',
        value: followed,
        unit: '',
        textbook: '5 (max is counted after the response that carries it)',
      },
      {
        label: 'timeout advertised',
        value: Number(/timeout=(\d+)/.exec(kaFirst?.keepAlive ?? '')?.[1] ?? Number.NaN),
        unit: 's',
        textbook: '"timeout=120": idle for 2 minutes',
      },
      ...hintMeasurements(result.hint),
      {
        label: 'responses when request 2 dropped Connection: Keep-Alive',
        value: forgot?.exchanges.length ?? 0,
        unit: '',
        textbook: 'the header goes on every message that wants to persist',
      },
      {
        label: 'HTTP/1.1 responses on one connection without asking',
        value: h11?.exchanges.length ?? 0,
        unit: '',
        textbook: 'persistent by default unless Connection: close',
      },
    ],
  };
}

/** The lesson's run; quick mode only watches a connection half as long. */
export function lessonOptions(quick: boolean): RunOptions {
  return quick ? { ...defaultOptions, settleMs: 100 } : defaultOptions;
}

export const lesson = defineLesson({
  number: 8,
  slug: 'http10-keep-alive',
  title: 'HTTP/1.0 Keep-Alive',
  effect:
    'a 1.0 client that asks with Connection: Keep-Alive gets it echoed with Keep-Alive: timeout, max and keeps the connection until max; one that does not ask is closed',
  needsRoot: 'no',
  flags: {
    maxRequests: {
      type: 'int',
      min: 1,
      max: 100,
      help: 'the max= the server advertises on its first response (default 5, as in the notes)',
    },
    keepAliveTimeoutMs: {
      type: 'int',
      min: 1000,
      max: 600_000,
      help: "the server's keep-alive timeout, ms; it advertises it in whole seconds (default 120000)",
    },
    idleCloseMs: {
      type: 'int',
      min: 10,
      max: 10_000,
      help: 'the hasty server closes an idle connection after this long, ms (default 300)',
    },
    dropAt: { type: 'int', min: 2, max: 5, help: 'the hasty server drops this request on a connection unanswered (default 3)' },
  },
  async run(ctx) {
    ctx.progress('four raw conversations with the @connlab/http server, then a server that closes early');
    const o = lessonOptions(ctx.quick);
    const { idleCloseMs, dropAt, ...own } = ctx.flags ?? {};
    return toLessonResult(await run({ ...withFlags(o, own), hint: withFlags(o.hint, { idleCloseMs, dropAt }) }));
  },
});
