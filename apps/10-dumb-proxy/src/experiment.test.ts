import { verdictOf } from '@connlab/lab';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from './experiment.js';
import type { RunResult } from './experiment.js';
import { toLessonResult, verdicts } from './lesson.js';

describe('the dumb-proxy hang', () => {
  let result: RunResult;
  let elapsed: number;
  let relay: RunResult['cases'][number], smart: RunResult['cases'][number];
  beforeAll(async () => {
    const started = performance.now();
    result = await run({ hangTimeoutMs: 800 });
    elapsed = performance.now() - started;
    [relay, smart] = result.cases as [typeof relay, typeof smart];
  }, 60_000);

  it('hangs the second request behind a blind relay until the client timeout fires', () => {
    expect(relay.requests[0]?.ok).toBe(true);
    expect(relay.requests[1]).toMatchObject({ ok: false, errorCode: 'HTTP_CLIENT_TIMEOUT' });
    expect(relay.requests[1]?.ms).toBeGreaterThanOrEqual(750);
  });

  it('shows the relay forwarding Keep-Alive and the server keeping the connection, with bytes the relay ignored', () => {
    expect(relay.relayIgnoredBytes).toBeGreaterThan(0);
    expect(relay.relayServerClosed).toBe(false);
    expect(relay.requests[0]?.serverSaw?.connection).toBe('Keep-Alive');
  });

  it('has the smart proxy answer both, well inside the timeout, without forwarding Connection', () => {
    expect(smart.requests.map((r) => r.ok)).toEqual([true, true]);
    expect(smart.requests[1]?.ms).toBeLessThan(700);
    expect(smart.requests[0]?.serverSaw?.connection).toBeUndefined();
  });

  it('puts request 2 on a new connection: no persistent connection with a 1.0 client (RFC 9112 §9.3)', () => {
    expect(smart.requests[1]?.reused).toBe(false);
    expect(smart.clientConnections).toBe(2);
  });

  it('finds Proxy-Connection harmless through the relay (new connection) and through the smart proxy', () => {
    const [, , pcRelay, pcSmart] = result.cases;
    expect(pcRelay?.clientConnections).toBe(2);
    expect(pcSmart?.clientConnections).toBe(2);
  });

  it('reports the effect reproduced', () => {
    expect(verdicts(result)).toEqual({ hang: true, smartFixes: true, pcRelay: true, pcSmart: true });
    expect(verdictOf(toLessonResult(result))).toBe('reproduced');
  });

  it('is bounded by the client timeout, not the test timeout', () => {
    expect(elapsed).toBeLessThan(10_000);
  });

  it('does not claim the effect when nothing hung', () => {
    const unhung = structuredClone(result);
    unhung.cases[0]!.requests[1] = { path: '/logo.gif', ok: true, ms: 5, status: 200 };
    expect(verdicts(unhung).hang).toBe(false);
    expect(verdictOf(toLessonResult(unhung))).toBe('not-reproduced');
  });
});
