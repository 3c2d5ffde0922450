// Fixtures for the client tests: a scripted origin that answers with exactly
// the bytes a test chooses, and a relay that delays the server's bytes (and
// its FIN or RST) to open the window of the keep-alive race.
import net from 'node:net';
import { listenLoopback, sleep } from '@connlab/lab';
import { afterEach } from 'vitest';
import { HttpClient } from '../src/client/client.js';
import type { ClientOptions } from '../src/client/client.js';
import { HttpParser } from '../src/parser/parser.js';

export interface SeenRequest {
  method: string;
  target: string;
  headers: string[];
  body: Buffer;
  /** 1-based index on its connection. */
  index: number;
  connection: number;
  at: number;
}

/** What a scripted handler does with one request. */
export interface Reply {
  /** Raw bytes to write (a whole response, or anything). */
  raw?: string | Buffer;
  /** Write after this many ms. Replies still leave in request order. */
  delayMs?: number;
  /** After writing (or not), 'end' half-closes, 'destroy' closes at once. */
  then?: 'end' | 'destroy';
  /** Write nothing for this request (with `then`, close without answering). */
  ignore?: boolean;
}

export interface ScriptedServer {
  port: number;
  origin: string;
  requests: SeenRequest[];
  /** Connections accepted so far. */
  connections: () => number;
  /** Most connections open at the same time. */
  peakConnections: () => number;
  /** Connections the server closed because they sat idle for `idleMs`. */
  closedIdle: () => number;
  close: () => Promise<void>;
}

/** `HTTP/1.1 200 OK` with a Content-Length body and extra header lines. */
export function ok(body: string, extra: string[] = []): string {
  return `HTTP/1.1 200 OK\r\n${extra.map((h) => `${h}\r\n`).join('')}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/**
 * A server whose every answer is chosen by `script(request)`. Requests are
 * parsed with the package's own parser; replies go out in request order even
 * when their delays finish out of order, as a correct server must do.
 */
export async function scriptedServer(script: (req: SeenRequest) => Reply, options: { idleMs?: number } = {}): Promise<ScriptedServer> {
  const requests: SeenRequest[] = [];
  let accepted = 0;
  let peak = 0;
  let closedIdle = 0;
  const server = await listenLoopback((socket) => {
    socket.setNoDelay(true);
    peak = Math.max(peak, server.sockets.size); // this socket is already counted
    const connection = ++accepted;
    let index = 0;
    let done = false;
    // Replies in request order: each waits for the one before it.
    let chain: Promise<void> = Promise.resolve();
    // The server's idle timeout: restarted after every reply, stopped by a new request.
    let idleTimer: NodeJS.Timeout | undefined;
    let pending = 0;
    const armIdle = (): void => {
      clearTimeout(idleTimer);
      if (options.idleMs === undefined || pending > 0 || done) return;
      idleTimer = setTimeout(() => {
        closedIdle++;
        done = true;
        socket.destroy(); // nothing unread: the kernel sends a FIN
      }, options.idleMs);
    };
    socket.on('close', () => clearTimeout(idleTimer));
    socket.on('error', () => undefined);
    let head: { method: string; target: string; headers: string[] } | undefined;
    let body: Buffer[] = [];
    const parser = new HttpParser(
      { type: 'request' },
      {
        onHead: (h) => {
          head = { method: h.method, target: h.target, headers: h.rawHeaders };
          body = [];
        },
        onBody: (c) => {
          body.push(Buffer.from(c));
        },
        onComplete: () => {
          const req: SeenRequest = { ...head!, body: Buffer.concat(body), index: ++index, connection, at: performance.now() };
          requests.push(req);
          const reply = script(req);
          if (reply.ignore && reply.then === undefined) return;
          pending++;
          const ready = sleep(reply.delayMs ?? 0);
          const previous = chain;
          chain = Promise.all([previous, ready]).then(() => {
            pending--;
            if (done || socket.destroyed) return;
            if (reply.raw !== undefined && !reply.ignore) socket.write(reply.raw);
            armIdle();
            if (reply.then === 'end') {
              done = true;
              socket.end();
            }
            if (reply.then === 'destroy') {
              done = true;
              socket.destroy();
            }
          });
        },
      },
    );
    socket.on('data', (chunk: Buffer) => {
      clearTimeout(idleTimer);
      if (done) return;
      try {
        parser.execute(chunk);
      } catch {
        socket.destroy();
      }
    });
  });
  return {
    port: server.port,
    origin: `http://127.0.0.1:${server.port}`,
    requests,
    connections: () => accepted,
    peakConnections: () => peak,
    closedIdle: () => closedIdle,
    close: server.close,
  };
}

/**
 * A relay that delivers the server's bytes, FIN and RST `delayMs` late (the
 * client's own bytes go straight through), like the second half of a
 * round trip. It widens the keep-alive race to `delayMs`.
 */
export async function delayRelay(
  targetPort: number,
  delayMs: number,
): Promise<{ port: number; origin: string; close: () => Promise<void> }> {
  // listenLoopback tracks the accepted side; the upstream sockets the relay opens are tracked here.
  const upstreams = new Set<net.Socket>();
  const relay = await listenLoopback(
    (client) => {
      const upstream = net.connect({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true });
      upstreams.add(upstream);
      upstream.on('close', () => upstreams.delete(upstream));
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      const later = (fn: () => void): void => {
        setTimeout(fn, delayMs);
      };
      client.on('data', (c: Buffer) => {
        if (!upstream.destroyed) upstream.write(c);
      });
      client.on('end', () => upstream.end());
      client.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('data', (c: Buffer) =>
        later(() => {
          if (!client.destroyed) client.write(c);
        }),
      );
      upstream.on('end', () =>
        later(() => {
          if (!client.destroyed) client.end();
        }),
      );
      upstream.on('error', () =>
        later(() => {
          if (!client.destroyed) client.resetAndDestroy();
        }),
      );
    },
    { allowHalfOpen: true },
  );
  return {
    port: relay.port,
    origin: `http://127.0.0.1:${relay.port}`,
    close: async () => {
      for (const s of upstreams) s.destroy();
      await relay.close();
    },
  };
}

/**
 * Servers, relays and clients for one test file: each made through here is
 * closed after every test (clients first, so no request outlives its server).
 */
export function clientTestKit(): {
  serve: typeof scriptedServer;
  delay: typeof delayRelay;
  client: <T = undefined>(options?: ClientOptions<T>) => HttpClient<T>;
} {
  const clients: HttpClient<unknown>[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    for (const close of closers.splice(0).reverse()) await close();
  });
  return {
    serve: async (script, options) => {
      const s = await scriptedServer(script, options);
      closers.push(s.close);
      return s;
    },
    delay: async (port, ms) => {
      const r = await delayRelay(port, ms);
      closers.push(r.close);
      return r;
    },
    client: <T = undefined>(options?: ClientOptions<T>) => {
      const c = new HttpClient<T>(options);
      clients.push(c);
      return c;
    },
  };
}
