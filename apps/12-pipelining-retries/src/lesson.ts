// Lesson 12: pipelined requests at a server that closes early: retry the GETs, never the POST.
import { check, defineLesson, table, withFlags } from '@connlab/lab';
import type { LessonResult } from '@connlab/lab';
import { defaultOptions, run } from './experiment.js';
import type { RequestReport, RunOptions, RunResult } from './experiment.js';

function serverSide(r: RequestReport): string {
  return r.server.map((s) => `conn ${s.connection}: ${s.answered ? 'answered' : 'dropped'}`).join(', ') || 'never arrived';
}

function clientSide(r: RequestReport): string {
  switch (r.outcome) {
    case 'answered':
      return `answered on conn ${r.connections[0] ?? '?'}${r.pipelined ? ' (pipelined)' : ''}`;
    case 'retried-and-answered':
      return `no answer on conn ${r.connections[0] ?? '?'} → retried, answered on conn ${r.connections[1] ?? '?'}`;
    case 'refused-retry':
      return 'no answer → NOT retried (may or may not have been processed)';
    case 'failed':
      return `failed: ${r.errorCode ?? ''}`;
  }
}

export function toLessonResult(result: RunResult): LessonResult {
  const { requests, options: o } = result;
  const gets = requests.filter((r) => r.method === 'GET');
  const post = requests.find((r) => r.method === 'POST');
  const answered = gets.filter((r) => r.outcome === 'answered');
  const retried = gets.filter((r) => r.outcome === 'retried-and-answered');
  const rows = requests.map((r, i) => [i + 1, `${r.method} ${r.path}`, r.attempts, clientSide(r), serverSide(r)]);
  const lines = [
    `The server answers ${o.closeAfter} requests per connection, then closes without saying Connection: close.`,
    `The client (one connection, pipelining depth ${o.depth}) sends ${o.gets} GETs and then a POST.`,
    '',
    ...table(['#', 'request', 'tries', 'what the client saw', 'what the server did'], rows),
    '',
    `Answered the first time: ${answered.map((r) => r.path).join(', ') || 'none'}.`,
    `Retried on a new connection and answered: ${retried.map((r) => r.path).join(', ') || 'none'} (GET is idempotent: sending it twice is harmless).`,
  ];
  if (post) {
    lines.push(
      post.outcome === 'refused-retry' ? `The POST was refused a retry: ${post.reason ?? ''}` : `The POST ended as "${post.outcome}".`,
      post.outcome === 'refused-retry' && post.server.every((s) => !s.answered)
        ? 'The server log shows it dropped the POST unprocessed; the client had no way to know that, so the decision is left to the application.'
        : '',
    );
  }
  lines.push(
    `Connections the server accepted: ${result.connectionsOpened}. The POST was sent only when no other request was in flight (never pipelined behind GETs).`,
  );
  const rel = (t: number) => t - result.t0;
  return {
    checks: [
      check('some GETs answered on the first connection', answered.length > 0, `${answered.length} of ${gets.length}`),
      check(
        'the unanswered GETs retried once on a new connection and answered',
        retried.length > 0 && retried.every((r) => r.attempts === 2),
        `${retried.length} retried, tries ${retried.map((r) => r.attempts).join(', ') || '—'}`,
      ),
      check(
        'the POST is not retried',
        post?.outcome === 'refused-retry',
        post ? `${post.outcome}, ${post.attempts} ${post.attempts === 1 ? 'try' : 'tries'}` : 'no POST sent',
      ),
    ],
    lines: lines.filter((l, i, all) => l !== '' || all[i - 1] !== ''),
    figures: [
      {
        kind: 'waterfall',
        title: 'Each request over time (failed-attempt = sent, unanswered, then retried or given up)',
        unit: 'ms',
        rows: requests.map((r) => ({
          label: `${r.method} ${r.path}`,
          spans: r.phases.map((p) => ({ start: rel(p.start), end: rel(p.end), phase: p.phase })),
        })),
      },
    ],
    measurements: [
      {
        label: 'GETs answered on the first connection',
        value: answered.length,
        unit: `of ${gets.length}`,
        textbook: `server closed after ${o.closeAfter}`,
      },
      {
        label: 'GETs retried on a new connection and answered',
        value: retried.length,
        unit: `of ${gets.length}`,
        textbook: 'the client must resend unanswered pipelined requests',
      },
      {
        label: 'POSTs retried automatically',
        value: requests.filter((r) => r.method === 'POST' && r.attempts > 1).length,
        unit: 'of 1',
        textbook: '0: non-idempotent, must not be retried blindly',
      },
      { label: 'connections used', value: result.connectionsOpened, unit: '' },
    ],
  };
}

export function lessonOptions(quick: boolean): Partial<RunOptions> {
  return quick ? { closeAfter: 3, gets: 6, depth: 6 } : defaultOptions;
}

export const lesson = defineLesson({
  number: 12,
  slug: 'pipelining-retries',
  title: 'Pipelining and retries',
  effect: 'pipelined requests at a server that closes after k: the unanswered GETs are retried, the POST is not',
  needsRoot: 'no',
  flags: {
    closeAfter: {
      type: 'int',
      min: 1,
      max: 100,
      help: 'the server answers this many requests per connection, then closes (default 4, 3 with --quick)',
    },
    gets: { type: 'int', min: 1, max: 100, help: 'GETs the client sends before the POST (default 8, 6 with --quick)' },
    depth: { type: 'int', min: 1, max: 100, help: 'pipelining depth: requests in flight on one connection (default 8, 6 with --quick)' },
  },
  async run(ctx) {
    ctx.progress('pipelining GETs and a POST at a server that closes early');
    return toLessonResult(await run(withFlags({ ...defaultOptions, ...lessonOptions(ctx.quick) }, ctx.flags)));
  },
});
