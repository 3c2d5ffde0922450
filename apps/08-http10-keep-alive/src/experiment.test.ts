import { verdictOf } from '@connlab/lab';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from './experiment.js';
import { defaultHintOptions } from './hint.js';
import type { CaseName, RunResult } from './experiment.js';
import { serverClosedFirst, toLessonResult } from './lesson.js';

const options = { maxRequests: 3, keepAliveTimeoutMs: 7000, settleMs: 100, waitMs: 3000, hint: defaultHintOptions };

describe('HTTP/1.0 keep-alive on the wire', () => {
  let result: RunResult;
  const get = (name: CaseName) => result.cases.find((c) => c.name === name)!;

  beforeAll(async () => {
    result = await run(options);
  }, 60_000);

  it('runs the four conversations against the server', () => {
    expect(result.cases.map((c) => c.name)).toEqual(['http10-plain', 'http10-keep-alive', 'http10-forgot', 'http11-default']);
  });

  it('closes a 1.0 connection that did not ask for keep-alive after one response', () => {
    const c = get('http10-plain');
    expect(c.exchanges).toHaveLength(1);
    expect(c.exchanges[0]!.connection.toLowerCase()).toBe('close');
    expect(serverClosedFirst(c)).toBe(true);
    expect(c.serverReason).toBe('connection-close');
  });

  it('echoes Connection: keep-alive with timeout and max=3 first, then answers exactly 3 more requests', () => {
    const c = get('http10-keep-alive');
    expect(c.openAfterFirst).toBe(true);
    expect(c.exchanges).toHaveLength(4);
    expect(c.exchanges.map((e) => e.connection.toLowerCase())).toEqual(['keep-alive', 'keep-alive', 'keep-alive', 'close']);
    expect(c.exchanges.map((e) => e.keepAlive)).toEqual(['timeout=7, max=3', 'timeout=7, max=2', 'timeout=7, max=1', '']);
    expect(c.exchanges.map((e) => e.body)).toEqual([1, 2, 3, 4].map((i) => `request ${i} on connection 2\n`));
    expect(serverClosedFirst(c)).toBe(true);
    expect(c.serverReason).toBe('max-requests');
  });

  it('closes a 1.0 keep-alive connection after a request that leaves the header out', () => {
    const c = get('http10-forgot');
    expect(c.exchanges).toHaveLength(2);
    expect(c.requestsSent).toBe(2);
    expect(serverClosedFirst(c)).toBe(true);
  });

  it('keeps HTTP/1.1 open without any Connection header', () => {
    const c = get('http11-default');
    expect(c.openAfterFirst).toBe(true);
    expect(c.exchanges).toHaveLength(2);
    expect(c.exchanges.every((e) => e.connection === '' && e.keepAlive === '')).toBe(true);
    expect(serverClosedFirst(c)).toBe(false);
    expect(c.serverReason).toBe('client-close');
  });

  it('meets a server that closes before its advertised timeout and max: a new connection, one retry of the GET, no retry of the POST', () => {
    const h = result.hint;
    expect(h.idleClosesMs[0]).toBeGreaterThanOrEqual(defaultHintOptions.idleCloseMs - 5);
    expect(h.idleClosesMs[0]).toBeLessThan(defaultHintOptions.idleCloseMs + 1000);
    expect(h.idle.requests.map((r) => [r.outcome, r.reused])).toEqual([
      ['answered', false],
      ['answered', false],
    ]);
    expect(h.dropNoRetry.requests.map((r) => r.outcome)).toEqual(['answered', 'answered', 'HTTP_CLIENT_SOCKET']);
    expect(h.dropRetry.requests.at(-1)).toMatchObject({ outcome: 'answered', attempts: 2, reused: false });
    expect(h.dropPost.requests.at(-1)).toMatchObject({ method: 'POST', outcome: 'HTTP_CLIENT_NOT_RETRIED' });
    expect(h.dropped).toBe(3);
  });

  it('reports reproduced from the measurement, and not when the server ignored max', () => {
    expect(verdictOf(toLessonResult(result))).toBe('reproduced');
    const ignoredMax: RunResult = { ...result, options: { ...result.options, maxRequests: 4 } };
    expect(verdictOf(toLessonResult(ignoredMax))).toBe('not-reproduced');
    const noRecovery: RunResult = {
      ...result,
      hint: { ...result.hint, dropRetry: { ...result.hint.dropRetry, requests: result.hint.dropNoRetry.requests } },
    };
    expect(
      toLessonResult(noRecovery)
        .checks.filter((c) => !c.passed)
        .map((c) => c.label),
    ).toEqual([expect.stringMatching(/^retry on: the same GET is sent again once/)]);
  });
});
