// TCP keepalive against a peer that vanishes, in two network namespaces.
//
// A client in namespace "client" talks to a server in namespace "peer" over
// a veth pair, then the connection goes idle. The peer then drops everything
// it would send back (a blackhole route): from then on nothing the client sends
// is answered, like a peer whose machine lost power. Without keepalive the client
// would never notice an idle connection is dead. With it, the kernel probes
// after `idle` seconds of silence, every `interval` seconds, and gives up
// with ETIMEDOUT after `count` unanswered probes (tcp(7); net/ipv4/tcp_timer.c
// tcp_keepalive_timer): idle + interval × count.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { withNamespaces, netnsUnavailableReason } from '@connlab/netns';
import { captureIn } from '@connlab/pcap';
import type { PcapFile } from '@connlab/pcap';
import { getKeepAlive, setKeepAlive, systemDefaults } from '@connlab/tcp-options';
import type { KeepAliveState, SystemDefaults } from '@connlab/tcp-options';
import { NAMESPACE_KEEPALIVE, isMessage } from './protocol.js';
import type { Sample, Scenario } from './protocol.js';

export type { Sample, Scenario } from './protocol.js';

const child = new URL('./keepalive-child.ts', import.meta.url);

export interface ScenarioResult {
  scenario: Scenario;
  /** Keepalive settings read back from the kernel inside the client namespace. */
  keepAlive: KeepAliveState;
  userTimeoutMs: number;
  /** What the settings predict: idle + interval × count, or the user timeout. */
  expectedMs: number;
  /** From the last data received (user-timeout: from the write) to the error. */
  detectedAfterMs: number;
  /** The error the client's socket reported, e.g. ETIMEDOUT. */
  code: string;
  /** TCP_INFO every 250 ms while waiting. */
  samples: Sample[];
  /** The client's end of the link, captured for the whole scenario. */
  capture: PcapFile & { dropped: number };
}

export interface LoopbackReadBack {
  /** The namespace-wide defaults the per-socket options override. */
  defaults: SystemDefaults;
  /** A fresh socket with SO_KEEPALIVE off: what the kernel would use. */
  fresh: KeepAliveState;
  /** After Node's own socket.setKeepAlive(true, 1000). */
  nodeBuiltIn: KeepAliveState;
  /** After setKeepAlive(socket, { idle 1 s, interval 1 s, count 3 }) from @connlab/tcp-options. */
  connlab: KeepAliveState;
}

export interface RunOptions {
  scenarios: readonly Scenario[];
}

export interface RunResult {
  readBack: LoopbackReadBack;
  scenarios: ScenarioResult[];
  /** Set when the namespace part could not run (one line). */
  skipped?: string;
}

async function withLoopbackSocket<T>(fn: (socket: net.Socket) => T): Promise<T> {
  const accepted: net.Socket[] = [];
  const server = net.createServer((s) => accepted.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  try {
    await new Promise((resolve) => socket.once('connect', resolve));
    return fn(socket);
  } finally {
    socket.destroy();
    for (const s of accepted) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Set keepalive three ways on loopback sockets and read the kernel's values back (no root needed). */
export async function readBackOnLoopback(): Promise<LoopbackReadBack> {
  const fresh = await withLoopbackSocket((s) => getKeepAlive(s));
  const nodeBuiltIn = await withLoopbackSocket((s) => {
    s.setKeepAlive(true, 1000);
    return getKeepAlive(s);
  });
  const connlab = await withLoopbackSocket((s) => {
    setKeepAlive(s, { enable: true, idleMs: 1000, intervalMs: 1000, count: 3 });
    return getKeepAlive(s);
  });
  return { defaults: systemDefaults(), fresh, nodeBuiltIn, connlab };
}

function expectedMs(scenario: Scenario, keepAlive: KeepAliveState, userTimeoutMs: number): number {
  if (scenario === 'user-timeout') return userTimeoutMs;
  return keepAlive.idleMs + keepAlive.intervalMs * keepAlive.count;
}

/**
 * Run one scenario in a fresh pair of namespaces: connect, go idle, take the
 * peer silent, and time how long the client takes to notice. Needs
 * network namespaces (root, or rootless in a user namespace).
 *
 * @example
 * ```ts
 * const r = await runScenario('tuned');
 * console.log(r.code, r.detectedAfterMs); // ETIMEDOUT ~4000
 * ```
 */
export async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  // Per-namespace sysctls: the client's namespace gets its own keepalive timers; the host's stay as they are.
  const sysctls: Record<string, Record<string, number>> = scenario === 'namespace-sysctls'
    ? {
        client: {
          'net.ipv4.tcp_keepalive_time': NAMESPACE_KEEPALIVE.time,
          'net.ipv4.tcp_keepalive_intvl': NAMESPACE_KEEPALIVE.intvl,
          'net.ipv4.tcp_keepalive_probes': NAMESPACE_KEEPALIVE.probes,
        },
      }
    : {};
  return withNamespaces({ namespaces: ['client', 'peer'], links: [{ between: ['client', 'peer'] }], sysctls }, async (lab) => {
    const { a: clientEnd, b: peerEnd } = lab.link('client', 'peer');
    // The packets, as tcpdump on the client's end of the link would show them: the probes are on the wire.
    const capture = await captureIn(lab.ns('client'), clientEnd.device);
    // Both children start at once (Node's start-up dominates on a busy machine).
    const server = lab.ns('peer').spawnNode(child, ['server', peerEnd.address]);
    const client = lab.ns('client').spawnNode(child, ['client', peerEnd.address, scenario]);
    const { port } = await server.nextMessage(isMessage('listening'), 30_000);
    client.send({ type: 'connect', port });
    const ready = await client.nextMessage(isMessage('ready'), 30_000);
    // The peer vanishes: everything it would send back is dropped (a blackhole route
    // to the client), so nothing the client sends is ever answered. The link itself
    // stays up, as a client's link to its switch does when a far host dies, so
    // the probes still leave the client's interface and show in the capture
    // (with the peer's end down, the client's end loses carrier and drops them unseen).
    await lab.ns('peer').ip(['route', 'add', 'blackhole', `${clientEnd.address}/32`]);
    if (scenario === 'user-timeout') client.send({ type: 'write' });
    const expected = expectedMs(scenario, ready.keepAlive, ready.userTimeoutMs);
    const closed = await client.nextMessage(isMessage('closed'), expected + 20_000);
    return {
      capture: await capture.stop(),
      scenario,
      keepAlive: ready.keepAlive,
      userTimeoutMs: ready.userTimeoutMs,
      expectedMs: expected,
      detectedAfterMs: closed.afterMs,
      code: closed.code,
      samples: client.takeQueued(isMessage('sample')),
    };
  });
}

/**
 * The whole lesson: the loopback read-back (always), then each namespace
 * scenario (root or rootless; otherwise `skipped` says why in one line).
 */
export async function run(options: RunOptions, progress: (what: string) => void = () => undefined): Promise<RunResult> {
  const readBack = await readBackOnLoopback();
  const reason = netnsUnavailableReason();
  if (reason) return { readBack, scenarios: [], skipped: `skipped: the dead-peer measurement: ${reason}` };
  const scenarios: ScenarioResult[] = [];
  for (const scenario of options.scenarios) {
    progress(`dead peer, ${scenario}: waiting for the client to notice`);
    scenarios.push(await runScenario(scenario));
  }
  return { readBack, scenarios };
}
