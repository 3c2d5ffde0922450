import { sleep } from '@connlab/lab';
import { describe, expect, it } from 'vitest';
import type { ClientOptions, HttpClient } from '../src/client/client.js';
import { HttpClientError } from '../src/client/client-errors.js';
import { clientTestKit, ok } from './client-fixtures.js';
import type { ScriptedServer } from './client-fixtures.js';

// The keep-alive race: a server closes a connection that has been idle for
// its timeout; a client that reuses it just then has sent a request into a
// closing connection and gets ECONNRESET or "closed before the response".
// A relay delays the server's bytes and FIN by 250 ms, like a WAN return path,
// so the race window is 250 ms wide instead of microseconds on loopback.
const SERVER_IDLE_MS = 1000; // what the server does, and says: Keep-Alive: timeout=1
const RETURN_DELAY_MS = 250;
const MARGIN_MS = 400; // the client leaves 400 ms before the hinted second
// The client sees a response D after the server sent it, and the server's
// FIN T + D after that; a request sent in [T - D, T) after the response
// (client time) reaches a closed connection. 875 ms is the middle of that
// window; 300 ms is safely inside the reuse window either way.
const SPACINGS_MS = [300, 875, 875];

async function spacedRequests(client: HttpClient, origin: string): Promise<{ errors: HttpClientError[]; reused: number }> {
  const errors: HttpClientError[] = [];
  let reused = 0;
  for (const gap of [0, ...SPACINGS_MS]) {
    await sleep(gap);
    try {
      const res = await client.request({ origin, responseTimeoutMs: 3000 });
      if (res.reused) reused++;
    } catch (error) {
      if (!(error instanceof HttpClientError)) throw error;
      errors.push(error);
    }
  }
  return { errors, reused };
}

describe('the keep-alive race', () => {
  const kit = clientTestKit();
  /** The server (idle timeout 1 s, says so), behind the delaying relay, hit by spaced requests. */
  async function race(
    options: ClientOptions,
  ): Promise<{ server: ScriptedServer; errors: HttpClientError[]; reused: number; retries: number }> {
    const server = await kit.serve(() => ({ raw: ok('x', ['Keep-Alive: timeout=1']) }), { idleMs: SERVER_IDLE_MS });
    const relay = await kit.delay(server.port, RETURN_DELAY_MS);
    const client = kit.client(options);
    let retries = 0;
    client.on('retry', () => retries++);
    const { errors, reused } = await spacedRequests(client, relay.origin);
    return { server, errors, reused, retries };
  }

  it('with the Keep-Alive hint honoured, spaced requests never meet a closing connection', async () => {
    const { errors, reused } = await race({ retry: false, honorKeepAliveHint: true, keepAliveMarginMs: MARGIN_MS });
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(reused).toBeGreaterThanOrEqual(1); // the short gaps still reuse
  });

  it('with the hint ignored (idle timeout 4 s), requests just past the server timeout fail', async () => {
    const { errors, server } = await race({ retry: false, honorKeepAliveHint: false, idleTimeoutMs: 4000 });
    expect(errors.length).toBeGreaterThanOrEqual(1);
    for (const e of errors) {
      expect(e.code).toBe('HTTP_CLIENT_SOCKET');
      expect(e.message).toMatch(/before the response/);
    }
    expect(server.closedIdle()).toBeGreaterThanOrEqual(1);
  });

  it('with the hint ignored but retries on, the same race is absorbed by one retry of the GET', async () => {
    const { errors, retries } = await race({ retry: true, honorKeepAliveHint: false, idleTimeoutMs: 4000 });
    expect(errors).toEqual([]);
    expect(retries).toBeGreaterThanOrEqual(1);
  });
});
