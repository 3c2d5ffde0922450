// Lesson 11: HTTP/1.1 persists by default, and only while every message says where it ends.
import { check, defineLesson, withFlags } from '@connlab/lab';
import type { LessonResult } from '@connlab/lab';
import { SHORT_DECLARED, UTF8_TEXT, defaultOptions, run } from './experiment.js';
import type { CaseName, CaseResult, RunOptions, RunResult } from './experiment.js';

const titles: Record<CaseName, string> = {
  'persistent-then-close': 'HTTP/1.1: length, chunked, then Connection: close',
  'no-length-http11': 'HTTP/1.1: a response with no length',
  'no-length-http10-keep-alive': 'HTTP/1.0 Keep-Alive: a streamed response',
  'body-too-long': 'body longer than Content-Length (characters counted, not UTF-8 bytes)',
  'body-smuggled': 'body longer than Content-Length, and it holds a response',
  'body-too-short': 'body shorter than Content-Length',
};

/** Each case's effect, judged from what the client received. */
export function verdicts(r: RunResult): Record<CaseName, boolean> {
  const c = (name: CaseName): CaseResult | undefined => r.cases.find((x) => x.name === name);
  const persistent = c('persistent-then-close');
  const noLen11 = c('no-length-http11');
  const noLen10 = c('no-length-http10-keep-alive');
  const long = c('body-too-long');
  const smuggled = c('body-smuggled');
  const short = c('body-too-short');
  return {
    'persistent-then-close':
      !!persistent &&
      persistent.responses.length === 3 &&
      persistent.requestsSent === 4 &&
      persistent.responses[0]?.framing === 'length' &&
      persistent.responses[1]?.framing === 'chunked' &&
      persistent.responses[0].connection === '' &&
      /close/i.test(persistent.responses[2]?.connection ?? '') &&
      persistent.serverFin,
    'no-length-http11': !!noLen11 && noLen11.responses.length === 1 && noLen11.responses[0]?.framing === 'close' && noLen11.serverFin,
    'no-length-http10-keep-alive':
      !!noLen10 && noLen10.responses.length === 1 && noLen10.responses[0]?.framing === 'close' && noLen10.serverFin,
    'body-too-long': !!long && long.serverFin && long.unsolicitedBytes > 0 && long.parseError !== null,
    'body-smuggled': !!smuggled && smuggled.unsolicitedBytes > 0 && smuggled.responses.length === 2,
    'body-too-short': !!short && short.parseError?.code === 'HTTP_PARSE_INCOMPLETE' && short.bytesAfterHead < SHORT_DECLARED,
  };
}

/** What each case must show, in the words of its check. */
const expected: Record<CaseName, string> = {
  'persistent-then-close': 'two framed responses on one connection, then Connection: close and a FIN',
  'no-length-http11': 'the FIN ends the response; the next request goes unanswered',
  'no-length-http10-keep-alive': 'close-delimited, keep-alive refused',
  'body-too-long': 'extra bytes arrive and the next response fails to parse',
  'body-smuggled': 'the extra bytes read as a second response',
  'body-too-short': 'the FIN arrives mid-body (incomplete)',
};

function nextResponse(c: CaseResult): string {
  const second = c.responses[c.requestsSent];
  if (second) return `${second.status} ${JSON.stringify(second.body)}`;
  if (c.parseError) return c.parseError.code;
  return '—';
}

function detected(c: CaseResult): string {
  if (c.name === 'body-too-short') return `FIN after ${c.bytesAfterHead} of ${c.responses[0]?.contentLength ?? SHORT_DECLARED} body bytes`;
  if (c.unsolicitedBytes > 0) return `${c.unsolicitedBytes} bytes with no request outstanding`;
  return '—';
}

/** Turn the six conversations into the lesson's printout. */
export function toLessonResult(r: RunResult): LessonResult {
  const v = verdicts(r);
  const c = (name: CaseName): CaseResult | undefined => r.cases.find((x) => x.name === name);
  const lines: string[] = [
    'Server: @connlab/http (Date off for short transcripts). Client: a raw socket; every byte as it crossed the wire.',
  ];
  for (const x of r.cases) {
    lines.push('', `── ${titles[x.name]} ──`, ...x.transcript);
  }
  const long = c('body-too-long');
  const smuggled = c('body-smuggled');
  const short = c('body-too-short');
  lines.push(
    '',
    v['persistent-then-close']
      ? 'HTTP/1.1 kept the connection for a Content-Length response and a chunked one; Connection: close ended it after the third, and the fourth request went unanswered.'
      : 'The persistent connection did not behave as HTTP/1.1 says (see the transcript).',
    v['no-length-http11']
      ? 'A response with neither Content-Length nor chunked can only end with the connection: the FIN is its end, and the next request was not answered.'
      : 'The undelimited response did not end the connection.',
    v['no-length-http10-keep-alive']
      ? 'An HTTP/1.0 client cannot read chunked, so a streamed answer to it is close-delimited: Keep-Alive was asked for and refused with Connection: close.'
      : 'The streamed 1.0 answer did not close the connection.',
    long
      ? `Content-Length ${long.responses[0]?.contentLength ?? '?'} for ${JSON.stringify(UTF8_TEXT)} (${Buffer.byteLength(UTF8_TEXT)} bytes): a trusting client reads ${JSON.stringify(long.responses[0]?.body ?? '')} and then fails on the next response with ${long.parseError?.code ?? 'no error'}.`
      : '',
    smuggled
      ? `Content-Length 3 on a body that contains a response: a client that trusts it takes ${smuggled.unsolicitedBytes} bytes the server sent as part of response 1 as the answer to its next request: ${nextResponse(smuggled)}.`
      : '',
    short
      ? `Content-Length ${SHORT_DECLARED} with ${short.bytesAfterHead} bytes sent: the client sees the FIN mid-body (${short.parseError?.code ?? 'no error'}); the server closed because the length was broken, otherwise the client would wait for bytes that never come.`
      : '',
    'A careful client detects the too-small lengths as bytes arriving when no request is outstanding, and must then close the connection.',
  );
  return {
    checks: r.cases.map((x) =>
      check(
        `${titles[x.name]}: ${expected[x.name]}`,
        v[x.name],
        `${Math.min(x.responses.length, x.requestsSent)}/${x.requestsSent} answered, ${x.serverFin ? 'server FIN' : 'no server FIN'}${x.parseError ? `, ${x.parseError.code}` : ''}${x.unsolicitedBytes ? `, ${x.unsolicitedBytes} B unsolicited` : ''}`,
      ),
    ),
    lines: lines.filter((l, i) => l !== '' || lines[i - 1] !== ''),
    figures: [
      {
        kind: 'table',
        title: 'Framing and what it did to the connection',
        columns: [
          'conversation',
          'framing of response 1',
          'answered / sent',
          'server FIN',
          'a trusting client reads next',
          'a careful client detects',
          'effect',
        ],
        rows: r.cases.map((x) => [
          titles[x.name],
          x.responses[0]
            ? `${x.responses[0].framing}${x.responses[0].contentLength ? ` (${x.responses[0].contentLength})` : ''}`
            : 'incomplete',
          `${Math.min(x.responses.length, x.requestsSent)} / ${x.requestsSent}`,
          x.serverFin ? 'yes' : 'no',
          x.requestsSent === 1 ? nextResponse(x) : '—',
          detected(x),
          v[x.name] ? 'shown' : 'NOT shown',
        ]),
      },
    ],
    measurements: [
      {
        label: 'responses on one HTTP/1.1 connection before Connection: close ended it',
        value: c('persistent-then-close')?.responses.length ?? 0,
        unit: '',
        textbook: 'persistent by default; Connection: close ends it',
      },
      {
        label: 'requests answered after a response with no length',
        value: Math.max(0, (c('no-length-http11')?.responses.length ?? 1) - 1),
        unit: 'of 1',
        textbook: 'persists only if every message has a self-defined length',
      },
      {
        label: 'bytes past a too-small Content-Length (UTF-8 case)',
        value: long?.unsolicitedBytes ?? 0,
        unit: 'B',
        textbook: 'the body must match Content-Length',
      },
      {
        label: 'bytes a trusting client took as the next response',
        value: smuggled?.unsolicitedBytes ?? 0,
        unit: 'B',
        textbook: 'a response it never asked for',
      },
      {
        label: 'body bytes at the FIN, Content-Length 64',
        value: short?.bytesAfterHead ?? 0,
        unit: 'B',
        textbook: 'a short body is detected at the close',
      },
    ],
  };
}

export function lessonOptions(quick: boolean): RunOptions {
  return quick ? { ...defaultOptions, settleMs: 80 } : defaultOptions;
}

export const lesson = defineLesson({
  number: 11,
  slug: 'persistent-framing',
  title: 'Persistent HTTP/1.1 and message framing',
  effect:
    'HTTP/1.1 connections persist until Connection: close, but only while every response has a length: an undelimited one ends the connection, and a wrong Content-Length corrupts the next response',
  needsRoot: 'no',
  flags: {
    settleMs: {
      type: 'int',
      min: 10,
      max: 10_000,
      help: 'how long to watch after a response for stray bytes or a FIN, ms (default 150, 80 with --quick)',
    },
    waitMs: { type: 'int', min: 100, max: 60_000, help: 'give up on a response after this long, ms (default 3000)' },
    utf8Length: {
      type: 'string',
      choices: ['characters', 'bytes'],
      help: 'how the UTF-8 route counts its Content-Length (default characters: the bug)',
    },
  },
  async run(ctx) {
    ctx.progress('six raw conversations with the @connlab/http server');
    return toLessonResult(await run(withFlags(lessonOptions(ctx.quick), ctx.flags)));
  },
});
