// One WAN for the lessons that need distance (02, 03, 07, …): the delay line
// when network namespaces are available (root or rootless), the fault relay
// only when asked for by name. Both give the same three moves: start the
// server on the far side, start a client on the near side, and the address
// and port the client dials.
import type { FlagSpec } from '@connlab/lab';
import { netnsAvailability } from '@connlab/netns';
import type { NamespaceChild, SpawnNodeOptions } from '@connlab/netns';
import { DelayLine } from './delay-line.js';
import { NetlabError } from './errors.js';
import { wanLinkFaults } from './faults.js';
import { spawnLocalNode } from './local-child.js';
import { FaultRelay } from './relay.js';

/** `auto`: the delay line, or no WAN (with the reason) when namespaces are unavailable; `relay` only by choice. */
export type WanChoice = 'auto' | 'delay-line' | 'relay';
export const WAN_CHOICES: readonly WanChoice[] = ['auto', 'delay-line', 'relay'];

/** The `--wan` flag every WAN lesson takes (for @connlab/lab's runLessonMain). */
export const WAN_FLAG = {
  type: 'string',
  choices: WAN_CHOICES,
  default: 'auto',
  help: 'auto: the delay line (root or user namespaces), else skip the WAN part; relay: the fault relay on loopback (emulated, never counts as reproduced)',
} as const satisfies FlagSpec;

export interface WanOptions {
  /** One-way delay; the RTT is twice this. */
  delayMs: number;
  choice?: WanChoice;
  /** Delay line only: write every frame it forwards to this pcap file (see DelayLineOptions.capturePath). */
  capturePath?: string;
}

/** An open WAN: run a server beyond it and clients before it. */
export interface Wan {
  kind: 'delay-line' | 'relay';
  /** True over the relay: the distance is a userland emulation on loopback, not packets on a link. */
  emulated: boolean;
  /** Plain words on how the distance is made, for the lesson's `emulated` note. */
  describe: string;
  /** The address the server listens on and a client dials (the relay's listens on loopback). */
  serverAddress: string;
  /** The delay line itself, when that is the WAN (for reshape, stats, sysctls). */
  line?: DelayLine;
  /** Start a Node script on the server's side (the server namespace, or beside this process). */
  spawnServer(script: string | URL, args?: readonly string[], options?: SpawnNodeOptions): NamespaceChild;
  /** Start a Node script on the client's side (the client namespace, or beside this process). */
  spawnClient(script: string | URL, args?: readonly string[], options?: SpawnNodeOptions): NamespaceChild;
  /** The port a client dials to reach the server's `port` across the WAN (the relay puts itself in between). */
  reach(port: number): Promise<number>;
  close(): Promise<void>;
}

/** No WAN could be made here: why, and how to get one. */
export interface NoWan {
  kind: 'none';
  reason: string;
}

/**
 * Decide and open the WAN. `auto` never falls back to the relay: without
 * namespaces it returns `{ kind: 'none', reason }` so the lesson can skip
 * that part saying how to enable it (or to pass `--wan relay`).
 *
 * @example
 * const wan = await openWan({ delayMs: 20, choice: flags.wan });
 * if (wan.kind === 'none') return skip(wan.reason);
 * try {
 *   const server = wan.spawnServer(serverScript, [wan.serverAddress]);
 *   const port = await wan.reach((await server.nextMessage(isListening)).port);
 * } finally { await wan.close(); }
 */
export async function openWan(options: WanOptions): Promise<Wan | NoWan> {
  const choice = options.choice ?? 'auto';
  if (!WAN_CHOICES.includes(choice))
    throw new NetlabError('NETLAB_DELAY_LINE', `unknown WAN "${choice}" (expected ${WAN_CHOICES.join(', ')})`);
  if (choice === 'relay') return relayWan(options.delayMs);
  const availability = netnsAvailability();
  if (availability.mode === 'unavailable') {
    const reason = `the delay line needs network namespaces: ${availability.reason ?? 'unavailable'}`;
    if (choice === 'delay-line') throw new NetlabError('NETLAB_DELAY_LINE', reason);
    const enable = availability.enable ? `enable with \`${availability.enable}\`, ` : '';
    return { kind: 'none', reason: `${reason} (${enable}or pass --wan relay for an emulated run)` };
  }
  const line = await DelayLine.open({ delayMs: options.delayMs, ...(options.capturePath ? { capturePath: options.capturePath } : {}) });
  return {
    kind: 'delay-line',
    emulated: false,
    describe: `the netlab delay line (${line.mode}): client and server namespaces whose veths meet in a wire namespace, where a pump holds each frame ${options.delayMs} ms each way; the kernel's TCP runs on both ends`,
    serverAddress: line.server.address,
    line,
    spawnServer: (script, args = [], opts) => line.spawnNode('server', script, args, opts),
    spawnClient: (script, args = [], opts) => line.spawnNode('client', script, args, opts),
    reach: (port) => Promise.resolve(port),
    close: () => line.close(),
  };
}

function relayWan(delayMs: number): Wan {
  const children = new Set<NamespaceChild>();
  const relays: FaultRelay[] = [];
  const local = (script: string | URL, args: readonly string[] = []): NamespaceChild => {
    const child = spawnLocalNode(script, args);
    children.add(child);
    return child;
  };
  return {
    kind: 'relay',
    emulated: true,
    describe: `the fault relay on loopback (chosen with --wan relay; application level, not transparent to TCP): the byte stream is held ${delayMs} ms each way and each new connection ${2 * delayMs} ms, a stand-in for the handshake`,
    serverAddress: '127.0.0.1',
    spawnServer: local,
    spawnClient: local,
    async reach(port) {
      const relay = await FaultRelay.start({ target: { host: '127.0.0.1', port }, faults: wanLinkFaults(2 * delayMs) });
      relays.push(relay);
      return relay.port;
    },
    async close() {
      await Promise.all(relays.map((r) => r.close()));
      await Promise.all([...children].map((c) => c.kill('SIGKILL')));
    },
  };
}
