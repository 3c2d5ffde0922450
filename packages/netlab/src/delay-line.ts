// A WAN on one machine (root or rootless): three private namespaces,
// `client`, `wire` and `server`. The client and the server each have a veth
// pair into the wire namespace, where a userland pump reads every Ethernet
// frame from one pair through an AF_PACKET socket and writes it to the other
// after the link's delay. Packets, not bytes, are delayed, so TCP on both ends
// behaves as on a long link: the handshake costs a round trip, slow start
// opens the window per RTT, delayed ACKs and retransmissions keep their real
// timers. It is the kernel's TCP on both ends: real evidence, not a model.
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { netnsAvailability, openNamespaces } from '@connlab/netns';
import type { Namespace, NamespaceChild, OpenNetnsLab, SpawnNodeOptions } from '@connlab/netns';
import { NetlabError } from './errors.js';
import type { LinkShape } from './link-model.js';
import type { DataLog, PumpCommand, PumpStats } from './pump.js';
import { MAX_MTU } from './raw-link.js';

export type Side = 'client' | 'server';

export interface DelayLineOptions {
  /** One-way delay, both directions (the RTT is twice this). */
  delayMs: number;
  jitterMs?: number;
  /** Bottleneck rate, Mbit/s, both directions (default: unlimited). */
  rateMbit?: number;
  /** Random loss probability per packet, 0..1. */
  loss?: number;
  /** Per-direction overrides of the shape above. */
  clientToServer?: Partial<LinkShape>;
  serverToClient?: Partial<LinkShape>;
  /** Per-namespace sysctls, set when the namespaces are made. */
  sysctls?: Partial<Record<Side, Record<string, string | number>>>;
  /** MTU of the link, up to MAX_MTU (default 1500, as on Ethernet: MSS 1448 with timestamps). */
  mtu?: number;
  /**
   * Write every frame the line forwards to this pcap file, as the client's end
   * of the line sees it (tcpdump, Wireshark and `connlab trace` read it).
   * Complete once {@link DelayLine.close} has resolved.
   */
  capturePath?: string;
}

/** One end of the line. */
export interface LineEnd {
  ns: Namespace;
  device: string;
  address: string;
}

// Private addresses that exist only inside the namespaces (RFC 1918), and
// fixed locally administered MACs so each end knows the other's without ARP
// (an ARP exchange across the line would add a round trip to the first connection).
const CLIENT_ADDRESS = '10.77.0.1';
const SERVER_ADDRESS = '10.77.0.2';
const CLIENT_MAC = '02:77:00:00:00:01';
const SERVER_MAC = '02:77:00:00:00:02';

function shapeFor(options: DelayLineOptions, override: Partial<LinkShape> | undefined): LinkShape {
  const base: LinkShape = { delayMs: options.delayMs };
  if (options.jitterMs !== undefined) base.jitterMs = options.jitterMs;
  if (options.rateMbit !== undefined) base.rateMbit = options.rateMbit;
  if (options.loss !== undefined) base.loss = options.loss;
  return { ...base, ...override };
}

function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/**
 * A running delay line. Start lesson code on either side with `spawnNode`;
 * close it (or let the process exit, however it exits) to remove everything.
 *
 * @example
 * const line = await DelayLine.open({ delayMs: 20 });
 * try {
 *   const server = line.spawnNode('server', new URL('./server-child.ts', import.meta.url));
 *   …                                       // talk to line.server.address from the client side
 * } finally {
 *   await line.close();
 * }
 */
/**
 * Why the delay line cannot run here (checked without building it: it needs
 * network namespaces, as root or rootless), or undefined when it can.
 *
 * @example
 * const why = delayLineUnavailable();
 * if (why) console.log(`no delay line: ${why}`);
 */
export function delayLineUnavailable(): string | undefined {
  return netnsAvailability().reason;
}

export class DelayLine {
  private readonly replies: ((line: string) => void)[] = [];
  private closed = false;

  private constructor(
    private readonly lab: OpenNetnsLab,
    private readonly pump: ChildProcess,
    readonly client: LineEnd,
    readonly server: LineEnd,
    private shapes: { clientToServer: LinkShape; serverToClient: LinkShape },
    lineReader: AsyncIterable<string> & { on(event: 'line', fn: (line: string) => void): unknown },
  ) {
    lineReader.on('line', (line) => this.replies.shift()?.(line));
  }

  /**
   * Build the namespaces and the line and wait until it carries packets.
   * Throws NetnsUnavailableError (code NETNS_UNAVAILABLE) when neither root
   * nor rootless namespaces are available.
   */
  static async open(options: DelayLineOptions): Promise<DelayLine> {
    const sysctls: Record<string, Record<string, string | number>> = {};
    if (options.sysctls?.client) sysctls.client = options.sysctls.client;
    if (options.sysctls?.server) sysctls.server = options.sysctls.server;
    if (options.mtu !== undefined && !(Number.isInteger(options.mtu) && options.mtu >= 576 && options.mtu <= MAX_MTU)) {
      throw new NetlabError('NETLAB_DELAY_LINE', `mtu must be a whole number from 576 to ${MAX_MTU}, got ${options.mtu}`);
    }
    const lab = await openNamespaces({ namespaces: ['client', 'wire', 'server'], sysctls });
    try {
      const clientNs = lab.ns('client');
      const wireNs = lab.ns('wire');
      const serverNs = lab.ns('server');
      const mtu = String(options.mtu ?? 1500);
      // IPv6 would put router solicitations and DAD probes on the line; nothing here uses it.
      await Promise.all(lab.namespaces.map((ns) => ns.setSysctl('net.ipv6.conf.all.disable_ipv6', 1).catch(() => undefined)));
      // Device names are per namespace; `w-client` is the wire's end of the client's pair.
      const ends = [
        {
          ns: clientNs,
          dev: 'line',
          wire: 'w-client',
          mac: CLIENT_MAC,
          address: CLIENT_ADDRESS,
          peer: { address: SERVER_ADDRESS, mac: SERVER_MAC },
        },
        {
          ns: serverNs,
          dev: 'line',
          wire: 'w-server',
          mac: SERVER_MAC,
          address: SERVER_ADDRESS,
          peer: { address: CLIENT_ADDRESS, mac: CLIENT_MAC },
        },
      ] as const;
      for (const e of ends) {
        await e.ns.ip([
          'link',
          'add',
          e.dev,
          'address',
          e.mac,
          'mtu',
          mtu,
          'type',
          'veth',
          'peer',
          'name',
          e.wire,
          'mtu',
          mtu,
          'netns',
          wireNs.name,
        ]);
        // One segment per frame, as on a wire: with segmentation offload a
        // veth would carry 64 KiB super-frames that the pump could not delay
        // one by one (nor send: a packet socket refuses frames above the MTU).
        await e.ns.ip(['link', 'set', 'dev', e.dev, 'gso_max_segs', '1', 'gso_max_size', mtu]);
        await e.ns.ip(['addr', 'add', `${e.address}/24`, 'dev', e.dev]);
        await e.ns.ip(['neigh', 'replace', e.peer.address, 'lladdr', e.peer.mac, 'dev', e.dev, 'nud', 'permanent']);
        await e.ns.setLink(e.dev, 'up');
        // The wire's ends carry frames for other MACs: promiscuous, and no addresses.
        await wireNs.ip(['link', 'set', 'dev', e.wire, 'promisc', 'on', 'up']);
      }
      const shapes = {
        clientToServer: shapeFor(options, options.clientToServer),
        serverToClient: shapeFor(options, options.serverToClient),
      };
      const ts = import.meta.url.endsWith('.ts');
      const pumpMain = fileURLToPath(new URL(ts ? './pump-child.ts' : './pump-child.js', import.meta.url));
      // The pump lives in the wire namespace; the lab kills it at teardown,
      // and it dies with this process in any case (PR_SET_PDEATHSIG, stdin EOF).
      const pump = wireNs.spawn(
        process.execPath,
        [
          ...(ts ? ['--import', tsxLoader()] : []),
          pumpMain,
          JSON.stringify({
            ports: [ends[0].wire, ends[1].wire],
            aToB: shapes.clientToServer,
            bToA: shapes.serverToClient,
            capture: options.capturePath,
          }),
        ],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let stderr = '';
      pump.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-4096);
      });
      const reader = createInterface({ input: pump.stdout! });
      const ready = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new NetlabError('NETLAB_DELAY_LINE', `pump did not start within 15 s: ${stderr}`)), 15_000);
        reader.once('line', (line) => {
          clearTimeout(timer);
          resolve(line);
        });
        pump.once('exit', (code) => {
          clearTimeout(timer);
          reject(new NetlabError('NETLAB_DELAY_LINE', `pump exited with code ${code ?? 'null'} before it was ready: ${stderr.trim()}`));
        });
      });
      if (!ready.includes('"ready"')) throw new NetlabError('NETLAB_DELAY_LINE', `pump said ${ready}`);
      return new DelayLine(
        lab,
        pump,
        { ns: clientNs, device: ends[0].dev, address: CLIENT_ADDRESS },
        { ns: serverNs, device: ends[1].dev, address: SERVER_ADDRESS },
        shapes,
        reader,
      );
    } catch (error) {
      await lab.close();
      throw error;
    }
  }

  /** Rootless: pid of the lab's user-namespace holder (for diagnostics and crash tests). */
  get holderPid(): number | undefined {
    return this.lab.holderPid;
  }

  /** `root`, or `rootless` when the line's namespaces live in a user namespace of this process. */
  get mode(): 'root' | 'rootless' {
    return this.lab.mode;
  }

  /** Process id of the pump (for diagnostics and crash tests). */
  get pumpPid(): number | undefined {
    return this.pump.pid;
  }

  /** The shape each direction has now. */
  get shape(): { clientToServer: LinkShape; serverToClient: LinkShape } {
    return this.shapes;
  }

  /** Start a Node script in one of the namespaces (IPC: sendToParent / nextMessage). */
  spawnNode(side: Side, script: string | URL, args: readonly string[] = [], options?: SpawnNodeOptions): NamespaceChild {
    return this[side].ns.spawnNode(script, args, options);
  }

  /** Change the link while connections are live. */
  async reshape(shapes: { clientToServer?: LinkShape; serverToClient?: LinkShape }): Promise<void> {
    this.shapes = { ...this.shapes, ...shapes };
    await this.ask({ cmd: 'shape', aToB: this.shapes.clientToServer, bToA: this.shapes.serverToClient });
  }

  /** Packets and bytes through each direction so far, and how late the pump released them. */
  async stats(): Promise<{ clientToServer: PumpStats['aToB']; serverToClient: PumpStats['bToA'] }> {
    const reply = JSON.parse(await this.ask({ cmd: 'stats' })) as { stats: PumpStats };
    return { clientToServer: reply.stats.aToB, serverToClient: reply.stats.bToA };
  }

  /**
   * The TCP segments with data that crossed the line since the last call, per
   * direction, as [ms, payload bytes] stamped by the kernel as they reached
   * the wire (only differences between stamps mean anything). The log is cleared.
   */
  async dataLog(): Promise<{ clientToServer: [number, number][]; serverToClient: [number, number][] }> {
    const reply = JSON.parse(await this.ask({ cmd: 'data-log' })) as { log: DataLog };
    return { clientToServer: reply.log.aToB, serverToClient: reply.log.bToA };
  }

  /** Stop the pump, kill every child, delete both namespaces. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pump.stdin?.end();
    // Its stdin's EOF stops the pump, which then writes any capture's frames still in flight; give it a moment before the lab kills it.
    if (this.pump.exitCode === null && this.pump.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2_000);
        this.pump.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await this.lab.close();
  }

  private ask(command: PumpCommand): Promise<string> {
    if (this.closed) return Promise.reject(new NetlabError('NETLAB_DELAY_LINE', 'the delay line is closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new NetlabError('NETLAB_DELAY_LINE', `pump did not answer "${command.cmd}" within 5 s`)),
        5_000,
      );
      this.replies.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
      this.pump.stdin?.write(`${JSON.stringify(command)}\n`);
    });
  }
}

/**
 * Open a delay line, run `fn`, and always close it.
 *
 * @example
 * const rtt = await withDelayLine({ delayMs: 20 }, (line) => measureRtt(line));
 */
export async function withDelayLine<T>(options: DelayLineOptions, fn: (line: DelayLine) => Promise<T>): Promise<T> {
  const line = await DelayLine.open(options);
  try {
    return await fn(line);
  } finally {
    await line.close();
  }
}
