import { once } from 'node:events';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ListenError, closedPort, listenLoopback } from './ports.js';
import type { LoopbackServer } from './ports.js';
import { LabError } from './errors.js';
import { sleep } from './sleep.js';
import { Wire } from './wire.js';

const servers: LoopbackServer[] = [];
const clients: Wire[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function listen(onSocket: (socket: net.Socket) => void, options?: { allowHalfOpen?: boolean }): Promise<LoopbackServer> {
  const server = await listenLoopback(onSocket, options);
  servers.push(server);
  return server;
}

async function connect(port: number, allowHalfOpen = false): Promise<Wire> {
  const wire = await Wire.connect(port, { allowHalfOpen });
  clients.push(wire);
  return wire;
}

/** What a connect to `port` ends in: 'connected', or the error code (ECONNREFUSED). */
async function connectOutcome(port: number): Promise<string | undefined> {
  return Wire.connect(port).then(
    (wire) => {
      wire.destroy();
      return 'connected';
    },
    (error: unknown) => ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code,
  );
}

/** Resolves with the next socket the server accepts. */
function nextAccepted(): { onSocket: (socket: net.Socket) => void; accepted: () => Promise<net.Socket> } {
  const queue: net.Socket[] = [];
  let waiter: ((s: net.Socket) => void) | undefined;
  return {
    onSocket: (socket) => {
      if (waiter) {
        waiter(socket);
        waiter = undefined;
      } else queue.push(socket);
    },
    accepted: () => {
      const first = queue.shift();
      return first
        ? Promise.resolve(first)
        : new Promise((resolve) => {
            waiter = resolve;
          });
    },
  };
}

describe('closedPort', () => {
  it('gives a port where a connect is refused', async () => {
    const port = await closedPort();
    expect(port).toBeGreaterThan(0);
    expect(await connectOutcome(port)).toBe('ECONNREFUSED');
  });
});

describe('listenLoopback', () => {
  it('listens on 127.0.0.1 at a kernel-chosen port and hands each connection to onSocket', async () => {
    const server = await listen((socket) => socket.end('hi'));
    expect(server.port).toBeGreaterThan(0);
    expect(server.server.address()).toMatchObject({ address: '127.0.0.1', port: server.port });
    const client = await connect(server.port);
    await client.ended();
    expect(client.text()).toBe('hi');
  });

  it('tracks an accepted socket (already when onSocket runs) and forgets it once it closes', async () => {
    const sizes: number[] = [];
    const next = nextAccepted();
    const server = await listen((socket) => {
      sizes.push(server.sockets.size);
      next.onSocket(socket);
    });
    const client = await connect(server.port);
    const accepted = await next.accepted();
    expect(sizes).toEqual([1]);
    expect(server.sockets.has(accepted)).toBe(true);
    client.destroy();
    await once(accepted, 'close');
    expect(server.sockets.size).toBe(0);
  });

  it('close() destroys live connections, then closes the server, and may be called twice', async () => {
    const next = nextAccepted();
    const server = await listen(next.onSocket);
    const a = await connect(server.port);
    const b = await connect(server.port);
    await next.accepted();
    await next.accepted();
    expect(server.sockets.size).toBe(2);
    // A plain server.close() would wait for these idle keep-alive style clients forever.
    const first = server.close();
    const second = server.close();
    expect(second).toBe(first);
    await first;
    await Promise.all([a.closed(), b.closed()]);
    expect(server.server.listening).toBe(false);
    await server.close(); // a third time, after it is closed, still resolves
    expect(await connectOutcome(server.port)).toBe('ECONNREFUSED');
  });

  it('closes itself and its connections at the end of an `await using` block', async () => {
    const next = nextAccepted();
    let client: Wire;
    let server: LoopbackServer;
    {
      await using disposable = await listenLoopback(next.onSocket);
      server = disposable;
      client = await connect(disposable.port);
      await next.accepted();
      expect(disposable.server.listening).toBe(true);
    }
    expect(server.server.listening).toBe(false);
    // The accepted side was destroyed, so the idle client sees its connection end.
    await client.closed();
  });

  it('honours allowHalfOpen: the server can still write a while after the client FIN only when asked', async () => {
    async function afterClientFin(allowHalfOpen: boolean): Promise<{ got: string; writableLater: boolean }> {
      let writableLater = false;
      const server = await listen(
        (socket) => {
          socket.on('error', () => undefined);
          socket.resume();
          socket.once('end', () => {
            // Without allowHalfOpen net answers the FIN with its own at once; by now the socket is ended.
            setTimeout(() => {
              writableLater = socket.writable;
              if (socket.writable) socket.end('late answer');
            }, 20);
          });
        },
        { allowHalfOpen },
      );
      const client = await connect(server.port, true);
      client.end();
      await client.ended();
      await sleep(60); // let the server's timer run in both cases
      return { got: client.text(), writableLater };
    }
    expect(await afterClientFin(true)).toEqual({ got: 'late answer', writableLater: true });
    expect(await afterClientFin(false)).toEqual({ got: '', writableLater: false });
  });

  it('rejects with a ListenError naming host:port when the port is taken', async () => {
    const taken = await listen(() => undefined);
    const error = await listenLoopback(() => undefined, { port: taken.port }).then(
      (s) => {
        servers.push(s);
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ListenError);
    expect(error).toBeInstanceOf(LabError);
    expect(error).toMatchObject({ code: 'LAB_LISTEN', systemCode: 'EADDRINUSE' });
    expect((error as ListenError).message).toContain(`127.0.0.1:${taken.port}`);
  });
});
