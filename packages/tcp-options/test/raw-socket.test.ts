import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Wire, sleep } from '@connlab/lab';
import { BindError, rawListen, setDeferAccept } from '../src/index.js';

const linux = process.platform === 'linux';

function listening(server: net.Server, options: net.ListenOptions | { fd: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => resolve((server.address() as net.AddressInfo).port));
  });
}

const closed = (server: net.Server) => new Promise((resolve) => server.close(resolve));

/** A server on 127.0.0.1 that closes one connection first (so it holds the TIME_WAIT), then stops. */
async function portLeftInTimeWait(): Promise<number> {
  const server = net.createServer((socket) => socket.end());
  const port = await listening(server, { port: 0, host: '127.0.0.1' });
  const client = await Wire.connect(port, { allowHalfOpen: false }); // our FIN answers the server's
  await client.closed();
  await closed(server);
  return port;
}

describe.skipIf(!linux)('raw listening sockets (socket, setsockopt, bind, listen through koffi)', () => {
  it('fails with EADDRINUSE on a port held by TIME_WAIT without SO_REUSEADDR, and binds with it', async () => {
    const port = await portLeftInTimeWait();
    let error: unknown;
    try {
      rawListen(port).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BindError);
    expect(error).toMatchObject({ code: 'TCP_BIND_FAILED', call: 'bind', errnoName: 'EADDRINUSE', port, reuseAddr: false });
    expect((error as Error).message).toMatch(`bind(127.0.0.1:${port}) failed with EADDRINUSE`);
    expect((error as Error).message).toMatch('without SO_REUSEADDR');
    const again = rawListen(port, { reuseAddr: true });
    expect(again.port).toBe(port);
    again.close();
  });

  it('lets two sockets listen on one port only when both set SO_REUSEPORT, and Node accepts on the fd', async () => {
    const first = rawListen(0, { reusePort: true });
    expect(() => rawListen(first.port)).toThrow(/EADDRINUSE/);
    const second = rawListen(first.port, { reusePort: true });
    const server = net.createServer((socket) => socket.end('hi'));
    await listening(server, { fd: second.fd });
    first.close(); // only the Node-owned socket is left to take connections
    const client = await Wire.connect(first.port);
    await client.ended();
    expect(client.text()).toBe('hi');
    client.destroy();
    await closed(server);
  });

  it('rejects a bad host or port with an error naming it', () => {
    expect(() => rawListen(70000)).toThrow(/port must be an integer 0-65535/);
    expect(() => rawListen(0, { host: 'localhost' })).toThrow(/host must be a dotted IPv4 address/);
  });

  it('with TCP_DEFER_ACCEPT accepts a connection only once it sends data', async () => {
    const accepted: number[] = [];
    const server = net.createServer((socket) => {
      accepted.push(Date.now());
      socket.resume();
    });
    const port = await listening(server, { port: 0, host: '127.0.0.1' });
    setDeferAccept(server, 5);
    const client = await Wire.connect(port);
    await sleep(200);
    expect(accepted).toHaveLength(0);
    await client.send('go');
    await expect.poll(() => accepted.length, { timeout: 2000 }).toBe(1);
    client.destroy();
    await closed(server);
    expect(() => setDeferAccept(server, 1)).toThrow(/listening server/);
  });
});
