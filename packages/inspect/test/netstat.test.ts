import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { counterDelta, parseNetCounters, readNetCounters } from '../src/index.js';

const linux = process.platform === 'linux';

describe('kernel counters from /proc/net/netstat and /proc/net/snmp', () => {
  it('pairs each header line with its value line, group by group', () => {
    const text = 'TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 0 7 9\nIpExt: InNoRoutes\nIpExt: 2\n';
    expect(parseNetCounters(text)).toEqual({
      'TcpExt.SyncookiesSent': 0,
      'TcpExt.ListenOverflows': 7,
      'TcpExt.ListenDrops': 9,
      'IpExt.InNoRoutes': 2,
    });
    expect(counterDelta({ a: 1 }, { a: 4 }, 'a')).toBe(3);
    expect(counterDelta({}, { a: 4 }, 'a')).toBeNaN();
  });

  it.skipIf(!linux)("counts a real connection among this namespace's active opens", async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const before = await readNetCounters();
    expect(before['TcpExt.ListenOverflows']).toBeGreaterThanOrEqual(0);
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise((resolve) => socket.on('close', resolve).on('error', () => undefined));
    const after = await readNetCounters();
    expect(counterDelta(before, after, 'Tcp.ActiveOpens')).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => server.close(resolve));
  });
});
