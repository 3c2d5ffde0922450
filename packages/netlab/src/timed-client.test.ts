import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { HttpParseError, getHeader } from '@connlab/http/parser';
import { listenLoopback } from '@connlab/lab';
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

/** A raw server that answers every request head with `answer` (bytes as the test scripts them). */
function rawServer(answer: (socket: Socket, request: string) => void): ReturnType<typeof listenLoopback> {
  return listenLoopback((socket) => {
    let pending = '';
    socket.on('data', (d: Buffer) => {
      pending += d.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const request = pending.slice(0, end);
        pending = pending.slice(end + 4);
        answer(socket, request);
      }
    });
  });
}

describe('timed client reading responses with the @connlab/http parser', () => {
  it('marks firstByte when the head arrives and lastByte only when the last body byte does', async () => {
    await using server = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe');
      setTimeout(() => socket.write('llo'), 60);
    });
    const { timing, body } = await timeRequest({ host: '127.0.0.1', port: server.port });
    expect(body.toString()).toBe('hello');
    // The 60 ms between the two writes is content transfer, not waiting.
    expect(timing.phases.receive).toBeGreaterThanOrEqual(50);
    expect(timing.phases.wait).toBeLessThan(timing.phases.receive);
  });

  it('decodes a chunked body with an extension and a trailer, and reuses the connection after it', async () => {
    await using server = await rawServer((socket) =>
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n'),
    );
    const conn = new TimedConnection({ host: '127.0.0.1', port: server.port });
    try {
      const first = await conn.request();
      expect(first.body.toString()).toBe('abcde');
      expect(first.head.framing).toBe('chunked');
      expect((await conn.request()).timing.reused).toBe(true);
    } finally {
      conn.close();
    }
  });

  it('reads past an interim 103 to the final response, and a body without a length until EOF', async () => {
    await using server = await rawServer((socket) => {
      socket.end('HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.0 200 OK\r\n\r\nsome');
    });
    const conn = new TimedConnection({ host: '127.0.0.1', port: server.port });
    try {
      const first = await conn.request();
      expect(first.head.status).toBe(200);
      expect(first.body.toString()).toBe('some');
      expect(first.head.keepAlive).toBe(false);
      expect((await conn.request()).timing.reused).toBe(false);
    } finally {
      conn.close();
    }
  });

  it('expects no body after HEAD, whatever Content-Length says', async () => {
    await using server = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'));
    const { head, body } = await timeRequest({ host: '127.0.0.1', port: server.port, timeoutMs: 3000 }, { method: 'HEAD' });
    expect(getHeader(head.rawHeaders, 'content-length')).toBe('9');
    expect(head.framing).toBe('none');
    expect(body.length).toBe(0);
  });

  it("fails with the parser's code and byte offset when a body is cut short or the status line is bad", async () => {
    await using short = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    const cut = await timeRequest({ host: '127.0.0.1', port: short.port }).catch((e: unknown) => e);
    expect(cut).toMatchObject({ code: 'NETLAB_HTTP' });
    expect((cut as Error).message).toContain(`127.0.0.1:${short.port}`);
    expect((cut as Error).cause).toBeInstanceOf(HttpParseError);
    expect((cut as Error).cause).toMatchObject({ code: 'HTTP_PARSE_INCOMPLETE', offset: 42 });
    await using bad = await rawServer((socket) => socket.end('HTTX 200\r\n\r\n'));
    const garbled = await timeRequest({ host: '127.0.0.1', port: bad.port }).catch((e: unknown) => e);
    expect((garbled as Error).cause).toMatchObject({ offset: 0 });
    expect((garbled as Error).cause).toBeInstanceOf(HttpParseError);
  });
});
