// connectionClose and connectionEnd carry the client's address and port,
// however the connection ended. With handle I/O the server reads the peer
// lazily; after the FIN exchange or a reset the kernel answers getpeername
// with ENOTCONN, so a late read would report port 0.
import { describe, expect, it } from 'vitest';
import { createServer } from '../src/server/server.js';
import type { CloseReason } from '../src/server/connection.js';
import { connect, serversUnderTest, waitResponses } from './harness.js';

const servers = serversUnderTest();
const GET = (extra = ''): string => `GET / HTTP/1.1\r\nHost: a\r\n${extra}\r\n`;

async function closeSeen(
  how: (port: number) => Promise<number>,
): Promise<{ clientPort: number; closed: { port: number; address: string; reason: CloseReason }[] }> {
  const server = createServer(() => ({ body: 'ok' }), { keepAliveTimeoutMs: 300, lingerMs: 200 });
  servers.push(server);
  const closed: { port: number; address: string; reason: CloseReason }[] = [];
  const ended: number[] = [];
  server.on('connectionEnd', (info) => ended.push(info.remotePort));
  const done = new Promise<void>((resolve) =>
    server.on('connectionClose', (info, reason) => {
      closed.push({ port: info.remotePort, address: info.remoteAddress, reason });
      resolve();
    }),
  );
  const { port } = await server.listen(0, '127.0.0.1');
  const clientPort = await how(port);
  await done;
  for (const p of ended) expect(p).toBe(clientPort);
  return { clientPort, closed };
}

describe('connectionClose names the peer', () => {
  it('when the server closes after Connection: close', async () => {
    const { clientPort, closed } = await closeSeen(async (port) => {
      const wire = await connect(port);
      await wire.send(GET('Connection: close\r\n'));
      await waitResponses(wire, 1);
      return wire.socket.localPort!;
    });
    expect(closed).toEqual([{ port: clientPort, address: '127.0.0.1', reason: 'connection-close' }]);
  });

  it('when the client closes first', async () => {
    const { clientPort, closed } = await closeSeen(async (port) => {
      const wire = await connect(port);
      await wire.send(GET());
      await waitResponses(wire, 1);
      const local = wire.socket.localPort!;
      wire.socket.end();
      return local;
    });
    expect(closed).toEqual([{ port: clientPort, address: '127.0.0.1', reason: 'client-close' }]);
  });

  it('when the client resets the connection', async () => {
    const { clientPort, closed } = await closeSeen(async (port) => {
      const wire = await connect(port);
      await wire.send(GET());
      await waitResponses(wire, 1);
      const local = wire.socket.localPort!;
      wire.reset();
      return local;
    });
    expect(closed.map((c) => c.port)).toEqual([clientPort]);
  });

  it('when the idle timeout closes it', async () => {
    const { clientPort, closed } = await closeSeen(async (port) => {
      const wire = await connect(port);
      await wire.send(GET());
      await waitResponses(wire, 1);
      return wire.socket.localPort!;
    });
    expect(closed).toEqual([{ port: clientPort, address: '127.0.0.1', reason: 'idle-timeout' }]);
  });
});
