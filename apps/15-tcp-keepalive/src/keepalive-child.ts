// The two processes of the dead-peer experiment. Each runs inside its own
// network namespace (started by experiment.ts with Namespace.spawnNode), so
// its sockets use that namespace's veth link.
//
//   node child.ts server <address>
//   node child.ts client <address> <scenario>   (then waits for { type: 'connect', port })
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { nextFromParent, sendToParent } from '@connlab/netns';
import { getKeepAlive, getTcpInfo, getUserTimeout, setKeepAlive, setUserTimeout, systemDefaults } from '@connlab/tcp-options';
import type { ChildMessage, Scenario } from './protocol.js';

const SAMPLE_EVERY_MS = 250;
// Not @connlab/lab's nowMs: importing the whole lab kit would slow every child's start.
const nowMs = (): number => performance.now();

function send(message: ChildMessage): void {
  sendToParent(message);
}

function server(address: string): void {
  // Answers the client's hello once, then says nothing: an idle connection.
  const listener = net.createServer((socket) => {
    socket.once('data', () => socket.write('hello back'));
    socket.on('error', () => undefined);
  });
  listener.listen(0, address, () => send({ type: 'listening', port: (listener.address() as net.AddressInfo).port }));
}

function configure(socket: net.Socket, scenario: Scenario): void {
  if (scenario === 'tuned') setKeepAlive(socket, { enable: true, idleMs: 1000, intervalMs: 1000, count: 3 });
  // Node's own API: it sets the idle time; libuv adds interval 1 s and count 10.
  if (scenario === 'node-default') socket.setKeepAlive(true, 1000);
  if (scenario === 'user-timeout') setUserTimeout(socket, 3000);
  // Only SO_KEEPALIVE: idle, interval and count are whatever this namespace's
  // sysctls say. Once connected: set before connect, Node replays its own
  // setKeepAlive on connect, and libuv then writes its idle/interval/count.
  if (scenario === 'namespace-sysctls') socket.once('connect', () => setKeepAlive(socket, { enable: true }));
}

function client(address: string, port: number, scenario: Scenario): void {
  const socket = net.connect(port, address);
  configure(socket, scenario);
  let lastDataAt = Number.NaN;
  let writtenAt = Number.NaN;
  let sampler: NodeJS.Timeout | undefined;

  const since = (): number => nowMs() - (Number.isNaN(writtenAt) ? lastDataAt : writtenAt);
  const sample = (): void => {
    try {
      const info = getTcpInfo(socket);
      send({
        type: 'sample',
        atMs: since(),
        state: info.stateName,
        probes: info.probes,
        retransmits: info.retransmits,
        backoff: info.backoff,
        unacked: info.unacked,
      });
    } catch {
      // The socket is already gone; the 'close' handler reports it.
    }
  };

  socket.once('connect', () => socket.write('hello'));
  socket.once('data', () => {
    lastDataAt = nowMs();
    send({ type: 'ready', keepAlive: getKeepAlive(socket), userTimeoutMs: getUserTimeout(socket), defaults: systemDefaults() });
    sampler = setInterval(sample, SAMPLE_EVERY_MS);
  });
  let error: NodeJS.ErrnoException | undefined;
  socket.on('error', (e: NodeJS.ErrnoException) => {
    error = e;
  });
  socket.on('close', () => {
    clearInterval(sampler);
    send({ type: 'closed', afterMs: since(), code: error?.code ?? 'closed without error', lastDataToWriteMs: writtenAt - lastDataAt });
    process.disconnect();
  });
  // The user-timeout scenario needs unacknowledged data: the parent says when to write.
  void nextFromParent((m) => (m as { type?: string }).type === 'write').then(() => {
    writtenAt = nowMs();
    socket.write('are you there?');
  });
}

const [role, address = '', scenario = 'tuned'] = process.argv.slice(2);
if (role === 'server') {
  server(address);
} else if (role === 'client') {
  // Started alongside the server; connects once the parent knows the port.
  const go = await nextFromParent((m) => (m as { type?: string }).type === 'connect');
  client(address, (go as { port: number }).port, scenario as Scenario);
} else {
  throw new Error(`usage: child.ts server <address> | client <address> <scenario>; got ${String(role)}`);
}
