// Lesson 07: one page, five ways to load it, over an emulated round trip.
import { check, defineLesson, formatMs, table, withFlags } from '@connlab/lab';
import type { Check, Figure, LessonContext, LessonResult } from '@connlab/lab';
import { WAN_FLAG, timingWaterfall } from '@connlab/netlab';
import { defaultOptions, quickOptions, run } from './experiment.js';
import type { RunOptions, RunResult, StrategyResult } from './experiment.js';
import { STRATEGIES, STRATEGY_TEXT } from './model.js';

/** Measured total over the model's prediction. */
export function ratio(r: StrategyResult): number {
  return r.load.totalMs / r.modelMs;
}

/** The book's ordering holds and every strategy lands near its round-trip count. */
export function modelChecks(result: RunResult): Check[] {
  const emulated = result.link === 'relay';
  const by = new Map(result.results.map((r) => [r.strategy, r]));
  const t = (s: StrategyResult['strategy']) => by.get(s)?.load.totalMs ?? NaN;
  const conns = (s: StrategyResult['strategy']) => by.get(s)?.load.connections ?? NaN;
  const ms = (...s: StrategyResult['strategy'][]) => s.map((x) => `${x} ${formatMs(t(x))}`).join(', ');
  // Generous: the model is a lower bound that ignores transfer, server time and
  // per-packet overhead, which weigh more at a small RTT (up to 2× at 20 ms here).
  return [
    check(
      'pipelined < persistent < serial',
      t('pipelined') < t('persistent') && t('persistent') < t('serial'),
      ms('pipelined', 'persistent', 'serial'),
      { emulated },
    ),
    check('parallel < serial', t('parallel') < t('serial'), ms('parallel', 'serial'), { emulated }),
    check(
      'parallel-persistent: fewer connections than parallel, and faster than one persistent connection',
      conns('parallel-persistent') < conns('parallel') && t('parallel-persistent') < t('persistent'),
      `${conns('parallel-persistent')} vs ${conns('parallel')} connections; ${ms('parallel-persistent', 'persistent')}`,
      { emulated },
    ),
    check(
      `all ${STRATEGIES.length} strategies ran, each within 0.8–3× its round-trip model`,
      result.results.length === STRATEGIES.length && result.results.every((r) => ratio(r) > 0.8 && ratio(r) < 3),
      result.results.map((r) => `${r.strategy} ${ratio(r).toFixed(2)}×`).join(', '),
      { emulated },
    ),
  ];
}

export function toLessonResult(result: RunResult): LessonResult {
  const o = result.options;
  if (result.link === 'none') {
    return {
      checks: [],
      lines: [`Nothing measured: ${result.skipped ?? 'no WAN'}.`],
      figures: [],
      measurements: [],
      skipped: result.skipped ?? 'no WAN',
    };
  }
  const rows = result.results.map((r) => [
    r.strategy,
    r.load.connections,
    formatMs(r.load.totalMs),
    `${r.modelRoundTrips} × ${o.rttMs} = ${formatMs(r.modelMs)}`,
    `${ratio(r).toFixed(2)}×`,
  ]);
  const lines = [
    `One HTML page and ${o.images} images of ${o.imageBytes} B each, RTT ${o.rttMs} ms, loaded ${result.results.length} ways:`,
    ...result.results.map(
      (r) => `  ${r.strategy.padEnd(19)} ${STRATEGY_TEXT[r.strategy].replace('P connections', `${o.parallel} connections`)}`,
    ),
    '',
    ...table(['strategy', 'connections', 'measured', 'model: round trips × RTT', 'measured/model'], rows),
    '',
    'The model counts one round trip per new connection (the handshake) and one per request/response;',
    "the rest of the measured time is transfer, server work and the emulation's own per-packet cost.",
  ];
  if (result.link === 'relay') lines.push('(the fault relay, chosen with --wan relay: these timings are an emulation and count as such)');
  const figures: Figure[] = [
    {
      kind: 'bars',
      title: 'Page load time by strategy',
      unit: 'ms',
      bars: result.results.map((r) => ({
        label: r.strategy,
        value: r.load.totalMs,
        note: `model ${formatMs(r.modelMs)} (${r.modelRoundTrips} RTT)`,
      })),
    },
  ];
  for (const r of result.results) {
    figures.push(
      timingWaterfall(
        r.load.objects.map((obj) => ({ ...obj.transaction, label: `${obj.path} (conn ${obj.connectionId})` })),
        `${r.strategy}: ${STRATEGY_TEXT[r.strategy].replace('P connections', `${o.parallel} connections`)}`,
      ),
    );
  }
  return {
    checks: modelChecks(result),
    ...(result.emulated ? { emulated: `the WAN is ${result.emulated}` } : {}),
    lines,
    figures,
    measurements: result.results.map((r) => ({
      label: `${r.strategy} (${r.load.connections} connection${r.load.connections === 1 ? '' : 's'})`,
      value: r.load.totalMs,
      unit: 'ms',
      textbook: `${r.modelRoundTrips} RTT = ${formatMs(r.modelMs)}`,
    })),
  };
}

export function lessonOptions(quick: boolean): RunOptions {
  return { ...(quick ? quickOptions : defaultOptions) };
}

export async function runLesson(ctx: LessonContext, options: RunOptions): Promise<LessonResult> {
  ctx.progress(`loading a page with ${options.images} images ${STRATEGIES.length} ways over an emulated ${options.rttMs} ms RTT`);
  return toLessonResult(await run(options));
}

export const lesson = defineLesson({
  number: 7,
  slug: 'page-load',
  title: 'Serial, parallel, persistent and pipelined loads',
  effect: 'a page with N images over an emulated RTT: the number of round trips, not bandwidth, sets the load time',
  needsRoot: 'all',
  flags: {
    rttMs: { type: 'int', min: 2, max: 1000, help: 'round-trip time of the emulated link, ms (default 50, 20 with --quick)' },
    images: { type: 'int', min: 1, max: 100, help: 'images on the page (default 8, 6 with --quick)' },
    imageBytes: { type: 'int', min: 1, max: 1 << 20, help: 'bytes per image (default 1024)' },
    parallel: { type: 'int', min: 1, max: 32, help: 'connections at once in the parallel loads (default 4, 3 with --quick)' },
    wan: WAN_FLAG,
  },
  async run(ctx) {
    return runLesson(ctx, withFlags(lessonOptions(ctx.quick), ctx.flags));
  },
});
