import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { listenLoopback, sleep } from '@connlab/lab';
import type { LoopbackServer } from '@connlab/lab';
import {
  countByPort,
  countByState,
  countTimeWait,
  decodeIpv4,
  decodeIpv6,
  formatSs,
  InspectError,
  listTcpSockets,
  parseProcNetTcp,
  timeWaitHolder,
} from '../src/index.js';

const run = promisify(execFile);
const linux = process.platform === 'linux';
const sockets: net.Socket[] = [];
const servers: LoopbackServer[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function listen(host: string, onConnection: (socket: net.Socket) => void = () => undefined): Promise<number> {
  const server = await listenLoopback(
    (socket) => {
      socket.on('error', () => undefined); // the RST case resets the server side on purpose
      onConnection(socket);
    },
    { host },
  );
  servers.push(server);
  return server.port;
}

async function connect(port: number, host: string): Promise<net.Socket> {
  const socket = net.connect(port, host);
  sockets.push(socket);
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

const SAMPLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1075 1 00000000235a2464 100 0 0 10 0
   1: 0100007F:8D87 0100007F:DB9E 06 00000000:00000000 03:00000D18 00000000     0        0 0 3 00000000868c162b
   2: 0100007F:1F90 0100007F:A1B2 01 0000002A:00000005 02:000001F4 00000003  1000        0 4242 1 0000000000000000 20 4 30 10 -1
`;

describe('parseProcNetTcp', () => {
  it('decodes addresses, ports, states, queues and timers', () => {
    const [listen, timeWait, estab] = parseProcNetTcp(SAMPLE, 4);
    expect(listen).toMatchObject({ localAddress: '0.0.0.0', localPort: 2024, stateName: 'LISTEN', inode: 1075, timer: 'none' });
    expect(timeWait).toMatchObject({
      localAddress: '127.0.0.1',
      localPort: 36231,
      remotePort: 56222,
      stateName: 'TIME-WAIT',
      timer: 'time-wait',
      timerRemainingMs: 33_520,
      inode: 0,
    });
    expect(estab).toMatchObject({
      localPort: 8080,
      remotePort: 41394,
      stateName: 'ESTAB',
      txQueue: 42,
      rxQueue: 5,
      timer: 'keepalive',
      timerRemainingMs: 5000,
      retransmits: 3,
      uid: 1000,
    });
  });

  it('decodes IPv6 words in host byte order and compresses them', () => {
    expect(decodeIpv4('0100007F')).toBe('127.0.0.1');
    expect(decodeIpv6('00000000000000000000000001000000')).toBe('::1');
    expect(decodeIpv6('0000000000000000FFFF00000100007F')).toBe('::ffff:127.0.0.1');
    expect(decodeIpv6('B80D0120000000000000000001000000')).toBe('2001:db8::1');
    expect(decodeIpv6('00000000000000000000000000000000')).toBe('::');
  });
});

describe('counting', () => {
  const sample = parseProcNetTcp(SAMPLE, 4);
  it('counts by state and by port', () => {
    expect(countByState(sample)).toEqual({ LISTEN: 1, 'TIME-WAIT': 1, ESTAB: 1 });
    expect(countByPort(sample, 'local').get(8080)).toBe(1);
    expect(countByPort(sample, 'remote', 'TIME-WAIT').get(56222)).toBe(1);
  });

  it('names the holder of a TIME_WAIT by the server port', () => {
    const tw = sample[1]!;
    expect(timeWaitHolder(tw, 56222)).toBe('client');
    expect(timeWaitHolder(tw, 36231)).toBe('server');
    expect(timeWaitHolder(tw, 1)).toBeUndefined();
    expect(timeWaitHolder(sample[2]!, 8080)).toBeUndefined();
  });

  it('with client ports, names only connections from those ports', async () => {
    const tw = sample[1]!; // 36231 -> 56222
    expect(timeWaitHolder(tw, 56222, new Set([36231]))).toBe('client');
    expect(timeWaitHolder(tw, 56222, new Set([40000]))).toBeUndefined();
    expect(timeWaitHolder(tw, 36231, new Set([56222]))).toBe('server');
    expect(timeWaitHolder(tw, 36231, new Set())).toBeUndefined();
    expect(await countTimeWait(56222, sample, [36231])).toEqual({ port: 56222, client: 1, server: 0, total: 1 });
    expect(await countTimeWait(56222, sample, [1])).toEqual({ port: 56222, client: 0, server: 0, total: 0 });
  });
});

describe.skipIf(!linux)('the live tables (Linux)', () => {
  it('name the table they cannot read, with a stable code', async () => {
    // Pid numbers stop far below 2^22 (pid_max's ceiling), so this process does not exist.
    const error: unknown = await listTcpSockets({ pid: 2 ** 22 + 1, families: [4] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InspectError);
    expect(error).toMatchObject({
      code: 'INSPECT_READ',
      systemCode: 'ENOENT',
      message: expect.stringContaining(`/proc/${2 ** 22 + 1}/net/tcp`) as unknown,
    });
  });

  it('agree with `ss -tan` on the same sockets', async () => {
    const port4 = await listen('127.0.0.1');
    const port6 = await listen('::1');
    const a = await connect(port4, '127.0.0.1');
    const c = await connect(port6, '::1');
    const b = await connect(port4, '127.0.0.1');
    const clientPorts = [a, b, c].map((s) => s.localPort!);
    const bClosed = closed(b);
    b.end(); // client closes first: b ends in TIME-WAIT
    await bClosed;
    expect(a.readyState).toBe('open');

    // This test's sockets only: a listener, or one end of a connection between our clients and
    // listeners. A port number alone would also match an older TIME-WAIT whose ephemeral port
    // happens to be one of the listening ports now.
    const port = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1).replace('*', '0'));
    const mine = (local: string, peer: string): boolean => {
      const [l, p] = [port(local), port(peer)];
      const listening = [port4, port6];
      return (listening.includes(l) && (p === 0 || clientPorts.includes(p))) || (listening.includes(p) && clientPorts.includes(l));
    };
    const fromProc = formatSs(await listTcpSockets())
      .slice(1)
      .map((line) => line.split(/\s+/))
      .filter((f) => mine(f[3]!, f[4]!))
      .map((f) => `${f[0]} ${f[3]} ${f[4]}`)
      .sort();
    // ss filters by port itself: on a busy machine (other tests' TIME_WAITs) the full table passes 1 MB.
    const filter = `( sport = :${port4} or dport = :${port4} or sport = :${port6} or dport = :${port6} )`;
    const { stdout } = await run('ss', ['-H', '-t', '-a', '-n', filter], { maxBuffer: 64 << 20 });
    const fromSs = stdout
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => mine(f[3]!, f[4]!))
      .map((f) => `${f[0]} ${f[3]} ${f[4]!.replace(/^\*:\*$/, '')}`)
      .sort();
    // ss shows the peer of a listener as "0.0.0.0:*"/"[::]:*"; /proc has port 0.
    const normalise = (rows: string[]): string[] => rows.map((r) => r.replace(/:(\*|0)$/, ':*'));
    expect(normalise(fromProc)).toEqual(normalise(fromSs));
    expect(fromProc.filter((r) => r.startsWith('LISTEN'))).toHaveLength(2);
    expect(fromProc.filter((r) => r.startsWith('ESTAB'))).toHaveLength(4);
    expect(fromProc.filter((r) => r.startsWith('TIME-WAIT'))).toHaveLength(1);
  });

  it('puts TIME_WAIT on whichever side closes first, and none after an RST', async () => {
    const clientClosesPort = await listen('127.0.0.1');
    const serverClosesPort = await listen('127.0.0.1', (socket) => socket.end());
    const resetPort = await listen('127.0.0.1');

    // Other tests' TIME_WAIT sockets may share a port number with these
    // servers, so count by whole connection: server port plus client ports.
    const clientPorts = { clientCloses: [] as number[], serverCloses: [] as number[], reset: [] as number[] };
    for (let i = 0; i < 3; i++) {
      const c = await connect(clientClosesPort, '127.0.0.1');
      clientPorts.clientCloses.push(c.localPort!);
      const done = closed(c);
      c.end();
      await done;
    }
    for (let i = 0; i < 3; i++) {
      const c = await connect(serverClosesPort, '127.0.0.1');
      clientPorts.serverCloses.push(c.localPort!);
      await closed(c);
    }
    for (let i = 0; i < 3; i++) {
      const c = await connect(resetPort, '127.0.0.1');
      clientPorts.reset.push(c.localPort!);
      c.resetAndDestroy();
      await closed(c);
    }
    // The server side of the last connections may still be processing its FIN.
    await sleep(50);
    const table = await listTcpSockets();
    expect(await countTimeWait(clientClosesPort, table, clientPorts.clientCloses)).toEqual({
      port: clientClosesPort,
      client: 3,
      server: 0,
      total: 3,
    });
    expect(await countTimeWait(serverClosesPort, table, clientPorts.serverCloses)).toEqual({
      port: serverClosesPort,
      client: 0,
      server: 3,
      total: 3,
    });
    expect(await countTimeWait(resetPort, undefined, clientPorts.reset)).toEqual({ port: resetPort, client: 0, server: 0, total: 0 });
  });
});
