// connlab echo serve | send on real sockets, in-process and as a child process.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { cli, closedPort, until, useCleanup } from './helpers.js';

const track = useCleanup();
const serve = (...argv: string[]) => track.inProcess(['echo', 'serve', '--port', '0', ...argv]);

describe('connlab echo', () => {
  it('round-trips a message on port 0, the server logging each 16-byte read', async () => {
    const server = serve('--read-size', '16');
    const { port } = await server.listening();
    const message = 'This is a Message, to be sent for a test.';
    const send = await cli('echo', 'send', message, '--port', String(port));
    expect(send.stderr).toBe('');
    expect(send.code).toBe(0);
    expect(send.stdout).toContain(`sent ${message.length} bytes to 127.0.0.1:${port}`);
    expect(send.stdout.trimEnd().split('\n').at(-1)).toBe(message);
    await until('the close line', () => server.lines().find((l) => l.startsWith('#1 closed')));
    const reads = server.lines().filter((l) => /^#1 read \d+ bytes/.test(l));
    // 41 bytes in pieces of at most 16: three reads whatever the timing.
    expect(reads.map((l) => Number(/read (\d+)/.exec(l)![1]))).toEqual([16, 16, 9]);
    expect(server.stdout).toContain('#1 empty read');
    expect(await server.shutdown()).toBe(0);
    expect(server.lines().at(-1)).toMatch(/^stopped: 1 connection, 41 bytes in, 41 bytes out/);
  });

  it('reports a refused connection in one line naming host:port, exit code 1', async () => {
    const port = await closedPort();
    const { code, stdout, stderr } = await cli('echo', 'send', 'hi', '--port', String(port));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`127.0.0.1:${port}`);
    expect(stderr).toContain('ECONNREFUSED');
  });

  it('reports EADDRINUSE when the port is taken', async () => {
    const first = serve();
    const { port } = await first.listening();
    const second = await cli('echo', 'serve', '--port', String(port));
    expect(second.code).toBe(1);
    expect(second.stderr.trim()).toMatch(new RegExp(`^connlab: cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE`));
  });

  it('shuts down on SIGINT with exit code 0, and a second SIGINT forces exit 130', async () => {
    const child = track.spawned(['echo', 'serve', '--port', '0']);
    const port = Number(/:(\d+)$/.exec(await child.firstLine())![1]);
    // A client that never sends its FIN (allowHalfOpen: no automatic FIN after the
    // server's) keeps the graceful close waiting for its grace period.
    const idle = track.socket(net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }));
    await new Promise((resolve) => idle.once('connect', resolve));
    await until('the connection line', () => child.lines().find((l) => l.includes('connection from')));
    idle.on('data', () => undefined).on('error', () => undefined);
    child.child.kill('SIGINT');
    await until('the stopping notice', () => child.stderr.includes('stopping'));
    const started = performance.now();
    child.child.kill('SIGINT');
    const { code } = await child.exited;
    expect(code).toBe(130);
    // Well before the 2 s grace period would have run out.
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('exits 0 on SIGTERM once open connections have finished', async () => {
    const child = track.spawned(['echo', 'serve', '--port', '0']);
    await child.firstLine();
    child.child.kill('SIGTERM');
    const { code } = await child.exited;
    expect(code).toBe(0);
    expect(child.lines().at(-1)).toMatch(/^stopped: 0 connections/);
  });
});
