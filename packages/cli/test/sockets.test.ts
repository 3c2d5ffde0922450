// connlab sockets (from /proc/net/tcp) and connlab tcp-info (TCP_INFO via getsockopt), on live local sockets.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { listenLoopback } from '@connlab/lab';
import { cli, closedPort, useCleanup } from './helpers.js';

const linux = process.platform === 'linux';
const track = useCleanup();

async function listen(): Promise<number> {
  const server = track.server(
    await listenLoopback((socket) => {
      socket.on('error', () => undefined);
      socket.on('end', () => socket.end());
    }),
  );
  return server.port;
}

describe.skipIf(!linux)('connlab sockets (Linux: reads /proc/net/tcp)', () => {
  it('lists a known listening socket and counts it by state', async () => {
    const port = await listen();
    const { code, stdout } = await cli('sockets', '--state', 'listen', '--port', String(port));
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^State\s+Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:Port$/);
    expect(lines[1]).toMatch(new RegExp(`^LISTEN\\s+0\\s+0\\s+127\\.0\\.0\\.1:${port}\\s+0\\.0\\.0\\.0:0$`));
    // A TIME-WAIT left on this port number by an earlier connection (the kernel reuses
    // ephemeral ports) is counted too, and explained on one more line.
    expect(lines.find((l) => l.includes(' shown; '))).toMatch(
      new RegExp(`^1 shown; sockets on port ${port} by state: LISTEN 1(, TIME-WAIT \\d+)?$`),
    );
  });

  it('shows both ends of an established loopback connection under --port', async () => {
    const port = await listen();
    const client = track.socket(net.connect(port, '127.0.0.1'));
    await new Promise((resolve) => client.once('connect', resolve));
    const { stdout } = await cli('sockets', '--port', String(port), '--state', 'ESTABLISHED');
    expect(stdout.split('\n').filter((l) => l.startsWith('ESTAB'))).toHaveLength(2);
    expect(stdout).toMatch(new RegExp(`sockets on port ${port} by state: LISTEN 1, ESTAB 2(, TIME-WAIT \\d+)?$`, 'm'));
  });
});

describe.skipIf(!linux)('connlab tcp-info (Linux: TCP_INFO through getsockopt)', () => {
  it('prints rtt, cwnd and mss of a live local connection, and the keepalive values read back', async () => {
    const port = await listen();
    const { code, stdout, stderr } = await cli('tcp-info', `127.0.0.1:${port}`, '--nodelay', '--keepalive', '30000');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}state +ESTAB/m);
    const rtt = Number(/^ {2}rtt +([\d.]+) ms/m.exec(stdout)?.[1]);
    // Loopback: a positive round trip well under a second, even on a busy machine.
    expect(rtt).toBeGreaterThan(0);
    expect(rtt).toBeLessThan(1000);
    expect(Number(/^ {2}cwnd +(\d+) segments/m.exec(stdout)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^ {2}mss +(\d+) bytes/m.exec(stdout)?.[1])).toBeGreaterThan(500);
    expect(stdout).toMatch(/SO_KEEPALIVE +on/);
    expect(stdout).toMatch(/TCP_KEEPIDLE +30 s/);
    expect(stdout).toMatch(/TCP_NODELAY +on/);
  });

  it('reports a refused connection in one line naming host:port, exit code 1', async () => {
    const port = await closedPort();
    const { code, stdout, stderr } = await cli('tcp-info', `127.0.0.1:${port}`);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`connlab: cannot connect to 127.0.0.1:${port}: ECONNREFUSED (nothing is listening there)\n`);
  });
});
