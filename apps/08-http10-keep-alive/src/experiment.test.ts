import { verdictOf } from '@connlab/lab';
import { describe, expect, it } from 'vitest';
import { run } from './experiment.js';
import type { CaseName, RunResult } from './experiment.js';
import { serverClosedFirst, toLessonResult } from './lesson.js';

const options = { maxRequests: 3, keepAliveTimeoutMs: 7000, settleMs: 100, waitMs: 3000 };

describe('HTTP/1.0 keep-alive on the wire', () => {
  let result: RunResult;
  const get = (name: CaseName) => result.cases.find((c) => c.name === name)!;

  it('runs the four conversations against the server', async () => {
    result = await run(options);
    expect(result.cases.map((c) => c.name)).toEqual(['http10-plain', 'http10-keep-alive', 'http10-forgot', 'http11-default']);
  });

  it('closes a 1.0 connection that did not ask for keep-alive after one response', () => {
    const c = get('http10-plain');
    expect(c.exchanges).toHaveLength(1);
    expect(c.exchanges[0]!.connection.toLowerCase()).toBe('close');
    expect(serverClosedFirst(c)).toBe(true);
    expect(c.serverReason).toBe('connection-close');
  });

  it('echoes Connection: keep-alive with timeout and a counting-down max, and closes after max responses', () => {
    const c = get('http10-keep-alive');
    expect(c.openAfterFirst).toBe(true);
    expect(c.exchanges).toHaveLength(3);
    expect(c.exchanges.map((e) => e.connection.toLowerCase())).toEqual(['keep-alive', 'keep-alive', 'close']);
    expect(c.exchanges.map((e) => e.keepAlive)).toEqual(['timeout=7, max=2', 'timeout=7, max=1', '']);
    expect(c.exchanges.map((e) => e.body)).toEqual(['request 1 on connection 2\n', 'request 2 on connection 2\n', 'request 3 on connection 2\n']);
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

  it('reports reproduced from the measurement, and not when the server ignored max', () => {
    expect(verdictOf(toLessonResult(result))).toBe('reproduced');
    const ignoredMax: RunResult = { ...result, options: { ...result.options, maxRequests: 4 } };
    expect(verdictOf(toLessonResult(ignoredMax))).toBe('not-reproduced');
  });
});
