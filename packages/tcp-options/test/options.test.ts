import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listenLoopback } from '@connlab/lab';
import type { LoopbackServer } from '@connlab/lab';
import {
  InvalidOptionValueError,
  SocketNotReadyError,
  SocketOptionError,
  TcpOptionsError,
  UnsupportedOptionError,
  getCongestion,
  getKeepAlive,
  getNoDelay,
  getTcpInfo,
  getUserTimeout,
  optionConstant,
  parseTcpInfo,
  setCongestion,
  setKeepAlive,
  setNoDelay,
  setUserTimeout,
  systemDefaults,
} from '../src/index.js';

const linux = process.platform === 'linux';
const open: (net.Socket | LoopbackServer)[] = [];

afterEach(async () => {
  for (const handle of open.splice(0)) {
    if (handle instanceof net.Socket) handle.destroy();
    else await handle.close();
  }
});

/** A connected client socket to a server that echoes; both closed after each test. */
/** A client socket still connecting to an echo server; both closed after each test. */
async function connecting(): Promise<net.Socket> {
  const server = await listenLoopback((socket) => socket.pipe(socket));
  open.push(server);
  const client = net.connect(server.port, '127.0.0.1');
  open.push(client);
  return client;
}

/** The same, connected. */
async function connectedPair(): Promise<{ client: net.Socket }> {
  const client = await connecting();
  await new Promise((resolve) => client.once('connect', resolve));
  return { client };
}

async function roundTrip(client: net.Socket, bytes: number): Promise<void> {
  let got = 0;
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer): void => {
      got += chunk.length;
      if (got >= bytes) {
        client.off('data', onData);
        resolve();
      }
    };
    client.on('data', onData);
    client.write(Buffer.alloc(bytes, 1));
  });
}

describe.skipIf(!linux)('option read-back from the kernel (Linux)', () => {
  it('TCP_NODELAY starts off on a net.Socket and reads back after each change', async () => {
    const { client } = await connectedPair();
    expect(getNoDelay(client)).toBe(false);
    expect(setNoDelay(client, true)).toBe('applied');
    expect(getNoDelay(client)).toBe(true);
    setNoDelay(client, false);
    expect(getNoDelay(client)).toBe(false);
  });

  it('sets all four keepalive values, each different from the system default', async () => {
    const { client } = await connectedPair();
    const defaults = systemDefaults();
    const before = getKeepAlive(client);
    expect(before).toEqual({
      enable: false,
      idleMs: defaults.keepaliveTimeS * 1000,
      intervalMs: defaults.keepaliveIntervalS * 1000,
      count: defaults.keepaliveProbes,
    });
    const wanted = { enable: true, idleMs: 2000, intervalMs: 3000, count: 4 };
    setKeepAlive(client, wanted);
    const after = getKeepAlive(client);
    expect(after).toEqual(wanted);
    expect(after.idleMs).not.toBe(before.idleMs);
    expect(after.intervalMs).not.toBe(before.intervalMs);
    expect(after.count).not.toBe(before.count);
  });

  it("shows the gap: Node's own setKeepAlive forces interval 1 s and count 10", async () => {
    const { client } = await connectedPair();
    client.setKeepAlive(true, 5000);
    expect(getKeepAlive(client)).toEqual({ enable: true, idleMs: 5000, intervalMs: 1000, count: 10 });
  });

  it('queues options set before connect and applies them on connect', async () => {
    const client = await connecting();
    expect(setKeepAlive(client, { enable: true, idleMs: 7000, intervalMs: 2000, count: 5 })).toBe('queued');
    expect(setNoDelay(client, true)).toBe('queued');
    expect(setUserTimeout(client, 4000)).toBe('queued');
    expect(() => getKeepAlive(client)).toThrow(SocketNotReadyError);
    await new Promise((resolve) => client.once('connect', resolve));
    expect(getKeepAlive(client)).toEqual({ enable: true, idleMs: 7000, intervalMs: 2000, count: 5 });
    expect(getNoDelay(client)).toBe(true);
    expect(getUserTimeout(client)).toBe(4000);
  });

  it('TCP_USER_TIMEOUT is 0 by default and reads back what was set', async () => {
    const { client } = await connectedPair();
    expect(getUserTimeout(client)).toBe(0);
    setUserTimeout(client, 2500);
    expect(getUserTimeout(client)).toBe(2500);
  });

  it('TCP_CONGESTION switches between reno and cubic on one socket', async () => {
    const { client } = await connectedPair();
    const initial = getCongestion(client);
    expect(initial).toBe(systemDefaults().congestionControl);
    const other = initial === 'reno' ? 'cubic' : 'reno';
    setCongestion(client, other);
    expect(getCongestion(client)).toBe(other);
  });

  it('names the option, errno and peer when the kernel refuses', async () => {
    const { client } = await connectedPair();
    let caught: unknown;
    try {
      setCongestion(client, 'nosuchalgo');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SocketOptionError);
    expect((caught as SocketOptionError).code).toBe('TCP_OPTION_FAILED');
    expect((caught as Error).message).toMatch(/setsockopt\(TCP_CONGESTION\) failed with ENOENT .* 127\.0\.0\.1:\d+/);
  });

  it('destroys the socket with the error when a queued option fails on connect', async () => {
    const client = await connecting();
    setCongestion(client, 'nosuchalgo');
    const error = await new Promise<Error>((resolve) => client.once('error', resolve));
    expect(error).toBeInstanceOf(SocketOptionError);
  });

  it('TCP_INFO is sane on a live connection', async () => {
    const { client } = await connectedPair();
    await roundTrip(client, 10_000);
    const info = getTcpInfo(client);
    expect(info.length).toBeGreaterThanOrEqual(104);
    expect(info.stateName).toBe('ESTAB');
    expect(info.state).toBe(1);
    expect(info.caStateName).toBe('open');
    expect(info.sndMss).toBeGreaterThan(0);
    expect(info.sndCwnd).toBeGreaterThanOrEqual(1);
    expect(info.rttUs).toBeGreaterThan(0);
    expect(info.rtoUs).toBeGreaterThanOrEqual(200_000); // TCP_RTO_MIN, include/net/tcp.h
    expect(info.probes).toBe(0);
    expect(info.totalRetrans).toBe(0);
    expect(info.bytesAcked).toBeGreaterThanOrEqual(10_000);
    expect(info.bytesReceived).toBeGreaterThanOrEqual(10_000);
  });

  it('getters name the option when the socket has no fd yet', () => {
    const client = new net.Socket();
    open.push(client);
    expect(() => getTcpInfo(client)).toThrow(/TCP_INFO.*unconnected socket/);
  });
});

describe('parseTcpInfo', () => {
  it('reads only the fields an older, shorter struct contains', () => {
    const old = Buffer.alloc(104);
    old.writeUInt8(1, 0);
    old.writeUInt8(0x74, 6); // snd_wscale 4, rcv_wscale 7
    old.writeUInt32LE(1448, 16);
    old.writeUInt32LE(10, 80);
    const info = parseTcpInfo(old);
    expect(info).toMatchObject({ length: 104, stateName: 'ESTAB', sndMss: 1448, sndCwnd: 10, sndWscale: 4, rcvWscale: 7 });
    expect(info.bytesAcked).toBeUndefined();
    expect(info.deliveryRate).toBeUndefined();
  });

  it('reads 64-bit counters at their documented offsets', () => {
    const full = Buffer.alloc(248);
    full.writeBigUInt64LE(123_456_789_012n, 120);
    full.writeBigUInt64LE(42n, 160);
    full.writeUInt16LE(3, 240);
    expect(parseTcpInfo(full)).toMatchObject({ bytesAcked: 123_456_789_012, deliveryRate: 42, totalRto: 3 });
  });
});

describe('platform constants', () => {
  it('uses macOS numbers where they differ from Linux', () => {
    expect(optionConstant('TCP_KEEPIDLE', 'darwin')).toEqual({ level: 6, name: 0x10, native: 'TCP_KEEPALIVE' });
    expect(optionConstant('SO_KEEPALIVE', 'darwin')).toMatchObject({ level: 0xffff, name: 8 });
    expect(optionConstant('TCP_KEEPIDLE', 'linux')).toMatchObject({ level: 6, name: 4 });
  });

  it.each([
    ['TCP_INFO', 'darwin'],
    ['TCP_USER_TIMEOUT', 'darwin'],
    ['TCP_NODELAY', 'win32'],
  ] as const)('refuses %s on %s with a typed error', (option, platform) => {
    let caught: unknown;
    try {
      optionConstant(option, platform);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnsupportedOptionError);
    expect(caught).toMatchObject({ code: 'TCP_OPTION_UNSUPPORTED', option, platform });
    expect((caught as Error).message).toBe(`${option} is not supported on ${platform}`);
  });

  it('refuses keepalive times the kernel would round', () => {
    const socket = new net.Socket();
    open.push(socket);
    expect(() => setKeepAlive(socket, { enable: true, idleMs: 1500 })).toThrow(InvalidOptionValueError);
    expect(() => setKeepAlive(socket, { enable: true, idleMs: 1500 })).toThrow(TcpOptionsError);
    expect(() => setKeepAlive(socket, { enable: true, count: 0 })).toThrow(/TCP_KEEPCNT must be a whole number from 1 to 127/);
  });
});

describe('systemDefaults', () => {
  it('parses the /proc/sys/net/ipv4 files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'connlab-sysctl-'));
    try {
      const files: Record<string, string> = {
        tcp_keepalive_time: '7200',
        tcp_keepalive_intvl: '75',
        tcp_keepalive_probes: '9',
        ip_local_port_range: '32768\t60999',
        tcp_tw_reuse: '2',
        tcp_timestamps: '1',
        tcp_fin_timeout: '60',
        tcp_slow_start_after_idle: '1',
        tcp_congestion_control: 'cubic',
        tcp_retries2: '15',
        tcp_syn_retries: '6',
      };
      for (const [name, value] of Object.entries(files)) writeFileSync(join(dir, name), `${value}\n`);
      const d = systemDefaults(dir);
      expect(d).toMatchObject({ keepaliveTimeS: 7200, keepaliveIntervalS: 75, keepaliveProbes: 9, twReuse: 2, congestionControl: 'cubic' });
      expect(d.localPortRange).toEqual({ low: 32768, high: 60999, count: 28232 });
      expect(d.twReuseDelayMs).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it.skipIf(!linux)('reads this machine and agrees with a fresh socket', async () => {
    const d = systemDefaults();
    expect(d.localPortRange.count).toBeGreaterThan(0);
    const { client } = await connectedPair();
    expect(client.localPort).toBeGreaterThanOrEqual(d.localPortRange.low);
    expect(client.localPort).toBeLessThanOrEqual(d.localPortRange.high);
  });
});
