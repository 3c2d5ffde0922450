import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TIMING_MARKS, TIMING_PHASES } from './timing.js';
import { TimedConnection, timeRequest } from './timed-client.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<number> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('timed client', () => {
  it('times a request by name with ordered marks whose phases sum to the total', async () => {
    const port = await listen((_req, res) => setTimeout(() => res.end('hello'), 30));
    const { timing, head, body } = await timeRequest({ host: 'localhost', port }, { path: '/x' });
    expect(head.status).toBe(200);
    expect(body.toString()).toBe('hello');
    expect(timing.lookup).toBe('resolver');
    const marks = TIMING_MARKS.map((m) => timing.marks[m]);
    expect(marks).toEqual([...marks].sort((a, b) => a - b));
    expect(TIMING_PHASES.reduce((s, p) => s + timing.phases[p], 0)).toBeCloseTo(timing.total, 6);
    // The server's 30 ms of processing is in the wait, not anywhere else.
    expect(timing.phases.wait).toBeGreaterThanOrEqual(29);
    expect(timing.phases.connect).toBeLessThan(timing.phases.wait);
  });

  it('skips the lookup for a literal address and reuses the connection for the next request', async () => {
    const port = await listen((_req, res) => res.end('ok'));
    const conn = new TimedConnection({ host: '127.0.0.1', port });
    try {
      const first = await conn.request();
      const second = await conn.request();
      expect(first.timing).toMatchObject({ lookup: 'literal', reused: false });
      expect(first.timing.phases.dns).toBe(0);
      expect(first.timing.phases.connect).toBeGreaterThan(0);
      expect(second.timing).toMatchObject({ lookup: 'none', reused: true });
      expect(second.timing.phases.connect).toBe(0);
    } finally {
      conn.close();
    }
  });

  it('opens a new connection when the server said Connection: close', async () => {
    const port = await listen((_req, res) => {
      res.setHeader('connection', 'close');
      res.end('bye');
    });
    const conn = new TimedConnection({ host: '127.0.0.1', port });
    try {
      await conn.request();
      expect((await conn.request()).timing.reused).toBe(false);
    } finally {
      conn.close();
    }
  });

  it('fails with the host and port when nothing listens', async () => {
    const port = await listen((_req, res) => res.end());
    server!.close();
    await expect(timeRequest({ host: '127.0.0.1', port })).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
  });
});
