// connlab relay between real clients and servers: added latency, a reset after N bytes.
import { describe, expect, it } from 'vitest';
import { cli, until, useCleanup } from './helpers.js';

const track = useCleanup();

/** "after 213 ms" / "after 1.2 s" in `echo send` output, in ms. */
function elapsedMs(stdout: string): number {
  const m = /after ([\d.]+) (ms|s)$/m.exec(stdout);
  if (!m) throw new Error(`no elapsed time in: ${stdout}`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

describe('connlab relay', () => {
  it('forwards an echo with the added latency in both directions', async () => {
    const server = track.inProcess(['echo', 'serve', '--port', '0']);
    const { port } = await server.listening();
    const relay = track.inProcess(['relay', '--to', `127.0.0.1:${port}`, '--latency', '100']);
    const via = await relay.listening();
    expect(relay.lines()[1]).toBe(`forwarding to 127.0.0.1:${port}: latency 100 ms each way (round trip +200 ms)`);

    const direct = await cli('echo', 'send', 'ping through the relay', '--port', String(port));
    const relayed = await cli('echo', 'send', 'ping through the relay', '--port', String(via.port));
    expect(relayed.code).toBe(0);
    expect(relayed.stdout.trimEnd().split('\n').at(-1)).toBe('ping through the relay');
    // The bytes waited 100 ms on the way in and 100 ms on the way back; timers never fire early.
    expect(elapsedMs(relayed.stdout)).toBeGreaterThanOrEqual(199);
    expect(elapsedMs(relayed.stdout)).toBeGreaterThan(elapsedMs(direct.stdout));
    await until('the relay to log the close', () => relay.lines().find((l) => l === '#1 closed'));
    expect(relay.lines()).toContainEqual(expect.stringMatching(/^#1 open from 127\.0\.0\.1:\d+, connecting to 127\.0\.0\.1:\d+$/));
  });

  it('paces bytes at --bandwidth, read as bytes per second for kB', async () => {
    const server = track.inProcess(['echo', 'serve', '--port', '0']);
    const { port } = await server.listening();
    const relay = track.inProcess(['relay', '--to', `127.0.0.1:${port}`, '--bandwidth', '100kB']);
    const via = await relay.listening();
    expect(relay.lines()[1]).toBe(`forwarding to 127.0.0.1:${port}: bandwidth 100 kB/s = 800 kbit/s each way`);
    // 20 000 bytes at 100 000 bytes/s take 200 ms each way; the two directions overlap.
    // Read as bits instead, the same rate would take 1.6 s.
    const relayed = await cli('echo', 'send', 'x'.repeat(20_000), '--port', String(via.port));
    expect(relayed.code).toBe(0);
    expect(elapsedMs(relayed.stdout)).toBeGreaterThanOrEqual(195);
    expect(elapsedMs(relayed.stdout)).toBeLessThan(1400);
  });

  it('resets both sides after --reset-after bytes: the client fails in one line', async () => {
    const server = track.inProcess(['http', 'serve', '--port', '0']);
    const { port } = await server.listening();
    const relay = track.inProcess(['relay', '--to', `127.0.0.1:${port}`, '--reset-after', '20', '--direction', 'downstream']);
    const via = await relay.listening();
    const { code, stdout, stderr } = await cli('http', 'get', `http://127.0.0.1:${via.port}/`);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`127.0.0.1:${via.port}`);
    expect(stderr).toMatch(/ECONNRESET|closed by the server/);
    await until('the reset line', () =>
      relay.lines().find((l) => l.startsWith('#1 reset both sides: reset fault after 20 downstream bytes')),
    );
  });

  it('forgets an idle connection with --forget-idle, and says so', async () => {
    const server = track.inProcess(['echo', 'serve', '--port', '0']);
    const { port } = await server.listening();
    const relay = track.inProcess(['relay', '--to', `127.0.0.1:${port}`, '--forget-idle', '300']);
    await relay.listening();
    expect(relay.lines()[1]).toBe(
      `forwarding to 127.0.0.1:${port}: a connection idle 300 ms is forgotten: its bytes are swallowed from then on`,
    );
  });
});
