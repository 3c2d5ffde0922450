import { verdictOf } from '@connlab/lab';
import { describe, expect, it } from 'vitest';
import { run } from './experiment.js';
import { toLessonResult, verdicts } from './lesson.js';

describe('the dumb-proxy hang', () => {
  it('hangs the second request behind a blind relay (bounded by the client timeout) and the smart proxy answers it', async () => {
    const started = performance.now();
    const result = await run({ hangTimeoutMs: 800 });
    const elapsed = performance.now() - started;
    const [relay, smart, pcRelay, pcSmart] = result.cases;
    // The hang: request 1 answered, request 2 given up on only when the client's timeout fired.
    expect(relay?.requests[0]?.ok).toBe(true);
    expect(relay?.requests[1]).toMatchObject({ ok: false, errorCode: 'HTTP_CLIENT_TIMEOUT' });
    expect(relay?.requests[1]?.ms).toBeGreaterThanOrEqual(750);
    expect(relay?.relayIgnoredBytes).toBeGreaterThan(0);
    expect(relay?.relayServerClosed).toBe(false);
    expect(relay?.requests[0]?.serverSaw?.connection).toBe('Keep-Alive');
    // The fix: both answered on one client connection, well inside the timeout.
    expect(smart?.requests.map((r) => r.ok)).toEqual([true, true]);
    // RFC 9112 §9.3: no persistent connection with a 1.0 client, so request 2 went on a new one.
    expect(smart?.requests[1]?.reused).toBe(false);
    expect(smart?.clientConnections).toBe(2);
    expect(smart?.requests[1]?.ms).toBeLessThan(700);
    expect(smart?.requests[0]?.serverSaw?.connection).toBeUndefined();
    // Proxy-Connection: harmless through the relay (new connection), kept alive by the smart proxy.
    expect(pcRelay?.clientConnections).toBe(2);
    expect(pcSmart?.clientConnections).toBe(2);
    expect(verdicts(result)).toEqual({ hang: true, smartFixes: true, pcRelay: true, pcSmart: true });
    expect(verdictOf(toLessonResult(result))).toBe('reproduced');
    expect(elapsed).toBeLessThan(10_000);
  });

  it('does not claim the effect when nothing hung', async () => {
    const result = await run({ hangTimeoutMs: 800 });
    const relay = result.cases[0]!;
    relay.requests[1] = { path: '/logo.gif', ok: true, ms: 5, status: 200 };
    expect(verdicts(result).hang).toBe(false);
    expect(verdictOf(toLessonResult(result))).toBe('not-reproduced');
  });
});
