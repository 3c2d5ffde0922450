// Lesson 19: a middlebox forgets a keep-alive connection that stayed idle;
// HTTP keep-alive cannot notice, TCP keepalive or a heartbeat keeps the flow alive.
import { check, defineLesson, formatMs, table, withFlags } from '@connlab/lab';
import type { Check, LessonResult, WaterfallFigure } from '@connlab/lab';
import { run } from './experiment.js';
import type { CaseResult, Keeper, LessonRun, RunOptions, RunResult } from './experiment.js';

const keeperText: Record<Keeper, string> = {
  'http-keep-alive': 'HTTP keep-alive only',
  'user-timeout': 'HTTP keep-alive + TCP_USER_TIMEOUT',
  'tcp-keepalive': 'TCP keepalive probes',
  heartbeat: 'application heartbeat',
};

function how(c: CaseResult): string {
  switch (c.keeper) {
    case 'http-keep-alive':
      return 'nothing';
    case 'user-timeout':
      return `TCP_USER_TIMEOUT ${formatMs(c.userTimeoutMs)}`;
    case 'tcp-keepalive':
      return `probe after ${c.keepaliveMs / 1000} s idle, every ${c.keepaliveMs / 1000} s`;
    case 'heartbeat':
      return `GET /ping every ${c.heartbeatMs / 1000} s (${c.heartbeats} sent)`;
  }
}

function outcome(c: CaseResult): string {
  if (c.outcome === 'answered') return `answered in ${formatMs(c.secondMs)}`;
  if (c.outcome === 'hung') return `no answer in ${formatMs(c.waitMs)}`;
  return `${c.error ?? 'error'} after ${formatMs(c.secondMs)}`;
}

/** The checks, computed from each connection's outcome and the middlebox's counters. */
export function middleboxChecks(r: RunResult): Check[] {
  const by = (k: Keeper) => r.cases.find((c) => c.keeper === k);
  const alone = by('http-keep-alive');
  const detect = by('user-timeout');
  const probes = by('tcp-keepalive');
  const beat = by('heartbeat');
  const o = r.options;
  return [
    check(
      `HTTP keep-alive alone: the request after ${o.idleMs / 1000} s idle hangs, retransmitted into a forgotten flow`,
      alone?.outcome === 'hung' && (alone.totalRetrans ?? 0) >= 1 && r.forgotten.clientToServer >= 1,
      alone
        ? `${outcome(alone)}, ${alone.totalRetrans ?? '?'} retransmitted; the middlebox dropped ${r.forgotten.clientToServer} frames`
        : 'did not run',
    ),
    check(
      `TCP_USER_TIMEOUT ${formatMs(o.userTimeoutMs)}: the loss is detected (ETIMEDOUT) within 2× that`,
      detect?.outcome === 'failed' &&
        detect.error === 'ETIMEDOUT' &&
        detect.secondMs >= o.userTimeoutMs * 0.9 &&
        detect.secondMs <= o.userTimeoutMs * 2,
      detect ? outcome(detect) : 'did not run',
    ),
    check(
      `TCP keepalive every ${o.keepaliveMs / 1000} s (${o.keepaliveMs < o.forgetMs ? '<' : '≥'} the box's ${o.forgetMs / 1000} s): the flow stays known, the request is answered`,
      probes?.outcome === 'answered',
      probes ? outcome(probes) : 'did not run',
    ),
    check(
      `a heartbeat every ${o.heartbeatMs / 1000} s: the request is answered`,
      beat?.outcome === 'answered' && beat.heartbeats >= 1,
      beat ? `${outcome(beat)} after ${beat.heartbeats} heartbeats` : 'did not run',
    ),
  ];
}

function timeline(r: RunResult): WaterfallFigure {
  const o = r.options;
  return {
    kind: 'waterfall',
    title: `Keep-alive connections idle ${o.idleMs / 1000} s behind a middlebox that forgets after ${o.forgetMs / 1000} s`,
    unit: 'ms',
    rows: r.cases.map((c) => ({
      label: keeperText[c.keeper],
      spans: [
        { start: 0, end: c.firstMs, phase: 'first request' },
        { start: c.firstMs, end: c.firstMs + o.idleMs, phase: 'idle' },
        {
          start: c.firstMs + o.idleMs,
          end: c.firstMs + o.idleMs + c.secondMs,
          phase: c.outcome === 'answered' ? 'second request, answered' : 'second request, no answer',
        },
      ],
    })),
  };
}

/** Turn the measurements into the lesson's printout. */
export function toLessonResult(lr: LessonRun): LessonResult {
  if (!lr.result) return { checks: [], measurements: [], lines: [], figures: [], ...(lr.skipped ? { skipped: lr.skipped } : {}) };
  const r = lr.result;
  const o = r.options;
  const lines = [
    `Delay line (${r.mode}), RTT ${2 * o.delayMs} ms; in the middle a stateful box (like a NAT or firewall) that forgets a TCP flow idle for more than ${o.forgetMs / 1000} s and then drops its packets without a word.`,
    `Four HTTP/1.1 keep-alive connections to a server that would keep them 600 s: one request, ${o.idleMs / 1000} s idle, another request.`,
    '',
    ...table(
      ['connection', 'kept alive by', 'second request', 'retransmitted'],
      r.cases.map((c) => [keeperText[c.keeper], how(c), outcome(c), c.totalRetrans ?? '— (socket closed)']),
    ),
    '',
    `The middlebox dropped ${r.forgotten.clientToServer} frames client → server and ${r.forgotten.serverToClient} server → client of flows it had forgotten.`,
    'HTTP keep-alive is a promise between client and server; the box in between never hears of it. Only packets keep its flow table entry alive.',
  ];
  const detect = r.cases.find((c) => c.keeper === 'user-timeout');
  return {
    checks: middleboxChecks(r),
    lines,
    figures: [timeline(r)],
    measurements: [
      {
        label: 'middlebox idle timeout (set)',
        value: o.forgetMs / 1000,
        unit: 's',
        textbook: 'NATs and firewalls: often 5 min to 1 h (RFC 5382 asks ≥ 2 h 4 min)',
      },
      {
        label: 'time to detect the forgotten flow, TCP_USER_TIMEOUT',
        value: detect?.secondMs ?? Number.NaN,
        unit: 'ms',
        textbook: 'without it: tcp_retries2 = 15 retransmissions, about 15 min',
      },
    ],
  };
}

/** The lesson's default run (the same with --quick: it is a few seconds of idling either way). */
export function lessonOptions(): RunOptions {
  return { delayMs: 10, forgetMs: 2000, idleMs: 3000, waitMs: 4000, keepaliveMs: 1000, heartbeatMs: 1000, userTimeoutMs: 2000 };
}

export const lesson = defineLesson({
  number: 19,
  slug: 'idle-middlebox',
  title: 'Middleboxes that forget idle flows',
  effect:
    'an idle keep-alive connection behind a NAT that forgot it hangs; TCP keepalive or a heartbeat keeps the flow alive, HTTP keep-alive does not',
  needsRoot: 'all',
  flags: {
    forgetS: { type: 'int', min: 2, max: 60, help: 'the middlebox forgets flows idle longer than this, s (default 2)' },
    idleS: { type: 'int', min: 1, max: 120, help: 'how long the connections stay idle, s (default 3)' },
    keepaliveS: { type: 'int', min: 1, max: 60, help: 'TCP keepalive idle and interval, s (default 1)' },
  },
  async run(ctx) {
    const { forgetS, idleS, keepaliveS } = ctx.flags ?? {};
    const ms = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
    const options = withFlags(lessonOptions(), { forgetMs: ms(forgetS), idleMs: ms(idleS), keepaliveMs: ms(keepaliveS) });
    ctx.progress('a middlebox that forgets idle flows, on the delay line');
    return toLessonResult(await run(options, ctx.progress));
  },
});
