// Lesson 08's "hint, not a promise" part: what the client saw, as lines, a table and checks.
import { check, formatMs } from '@connlab/lab';
import type { Check, Measurement, TableFigure } from '@connlab/lab';
import { ADVERTISED } from './hint.js';
import type { HintRequest, HintResult, HintRun } from './hint.js';

function seen(r: HintRequest | undefined): string {
  if (!r) return 'not sent';
  if (r.outcome !== 'answered') return `${r.outcome}${r.attempts === 2 ? ' (after a retry)' : ''}`;
  const where = r.reused ? `reused conn #${r.connectionId ?? '?'}` : `new conn #${r.connectionId ?? '?'}`;
  return `${r.status ?? '?'} on ${where}${r.attempts === 2 ? ', retried' : ''}`;
}

const last = (run: HintRun): HintRequest | undefined => run.requests.at(-1);

export function hintLines(h: HintResult): string[] {
  const idle = h.idleClosesMs[0];
  return [
    `── A hint, not a promise: a server that says "Keep-Alive: timeout=${ADVERTISED.timeoutS}, max=${ADVERTISED.max}" and closes earlier ──`,
    `It closed an idle connection after ${idle === undefined ? '—' : formatMs(idle)} (it advertised ${ADVERTISED.timeoutS} s), and it dropped request ${h.options.dropAt} on a connection unanswered (it had advertised room for more),`,
    "as a server does whose idle timer fires while a request is on its way. The client is @connlab/http's HttpClient (HTTP/1.0 with Keep-Alive, hints honoured).",
    `  early idle close: the next GET, ${formatMs(h.options.idleCloseMs + 200)} later, went out on ${seen(last(h.idle))}: the client saw the FIN and did not trust the 120 s.`,
    `  early drop, retry off: GET /${h.options.dropAt} → ${seen(last(h.dropNoRetry))}.`,
    `  early drop, retry on: GET /${h.options.dropAt} → ${seen(last(h.dropRetry))}: sent once more on a fresh connection, as HTTP allows for an idempotent request.`,
    `  early drop, a POST: POST /${h.options.dropAt} → ${seen(last(h.dropPost))}: it may have been processed, so it is not sent twice.`,
  ];
}

export function hintFigure(h: HintResult): TableFigure {
  const runs: [string, HintRun][] = [
    ['idle close (pause)', h.idle],
    ['drop, retry off', h.dropNoRetry],
    ['drop, retry on', h.dropRetry],
    ['drop, POST', h.dropPost],
  ];
  return {
    kind: 'table',
    title: `The hasty server (advertises timeout=${ADVERTISED.timeoutS}, max=${ADVERTISED.max}) and the client that meets it`,
    columns: ['session', 'request', 'Keep-Alive on the response', 'what the client got'],
    rows: runs.flatMap(([name, run]) =>
      run.requests.map((r, i) => [i === 0 ? name : '', `${r.method} ${r.path}`, r.keepAlive || '—', seen(r)]),
    ),
  };
}

/** Each check compares what the client got with what the early close should do to it. */
export function hintChecks(h: HintResult): Check[] {
  const idleNext = last(h.idle);
  const idleClose = h.idleClosesMs[0];
  const noRetry = last(h.dropNoRetry);
  const retried = last(h.dropRetry);
  const post = last(h.dropPost);
  return [
    check(
      `the server closed an idle connection long before its advertised timeout=${ADVERTISED.timeoutS}`,
      idleClose !== undefined && idleClose < (ADVERTISED.timeoutS * 1000) / 10,
      idleClose === undefined ? 'no idle close' : formatMs(idleClose),
    ),
    check(
      'after that early close the client sent its next GET on a new connection, answered',
      idleNext?.outcome === 'answered' && idleNext.reused === false,
      seen(idleNext),
    ),
    check(
      `retry off: the GET sent as the connection was dropped fails with no answer`,
      noRetry?.outcome === 'HTTP_CLIENT_SOCKET',
      seen(noRetry),
    ),
    check(
      'retry on: the same GET is sent again once, on a fresh connection, and answered',
      retried?.outcome === 'answered' && retried.attempts === 2 && retried.reused === false && h.dropRetry.retries === 1,
      seen(retried),
    ),
    check('a POST in the same place is not retried', post?.outcome === 'HTTP_CLIENT_NOT_RETRIED' && h.dropPost.retries === 0, seen(post)),
  ];
}

export function hintMeasurements(h: HintResult): Measurement[] {
  return [
    {
      label: 'hasty server: idle before its FIN',
      value: h.idleClosesMs[0] ?? Number.NaN,
      unit: 'ms',
      textbook: `it advertised timeout=${ADVERTISED.timeoutS}: "not a promise"`,
    },
    {
      label: 'attempts for the GET the hasty server dropped (retry on)',
      value: last(h.dropRetry)?.attempts ?? Number.NaN,
      unit: '',
      textbook: 'clients must be ready for a close at any time',
    },
  ];
}
