// A WAN on one machine (root): two private namespaces, `client` and
// `server`, joined not by a veth but by two TUN devices whose packets pass
// through a userland pump that holds each one for the link's delay. Packets,
// not bytes, are delayed, so TCP on both ends behaves as on a long link:
// the handshake costs a round trip, slow start opens the window per RTT,
// delayed ACKs and retransmissions keep their real timers.
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openNamespaces } from '@connlab/netns';
import type { Namespace, NamespaceChild, OpenNetnsLab, SpawnNodeOptions } from '@connlab/netns';
import { NetlabError } from './errors.js';
import type { LinkShape } from './link-model.js';
import type { PumpCommand, PumpStats } from './pump.js';

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
  /** MTU of both TUN devices (default 1500, as on Ethernet: MSS 1448 with timestamps). */
  mtu?: number;
}

/** One end of the line. */
export interface LineEnd {
  ns: Namespace;
  device: string;
  address: string;
}

// Private addresses that exist only inside the two namespaces (RFC 1918).
const CLIENT_ADDRESS = '10.77.0.1';
const SERVER_ADDRESS = '10.77.0.2';
let lines = 0;

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
 *   const server = line.spawnNode('server', new URL('./server.ts', import.meta.url));
 *   …                                       // talk to line.server.address from the client side
 * } finally {
 *   await line.close();
 * }
 */
/**
 * Why the delay line cannot run here (checked without trying: Linux and root
 * are needed for network namespaces and TUN devices), or undefined when it may.
 *
 * @example
 * const why = delayLineUnavailable();
 * if (why) console.log(`using the fault relay: ${why}`);
 */
export function delayLineUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces are Linux-only (this is ${process.platform})`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not running as root (network namespaces need it)';
  return undefined;
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
   * Throws NetnsUnavailableError (code NETNS_UNAVAILABLE) without root.
   */
  static async open(options: DelayLineOptions): Promise<DelayLine> {
    const n = ++lines;
    const sysctls: Record<string, Record<string, string | number>> = {};
    if (options.sysctls?.client) sysctls.client = options.sysctls.client;
    if (options.sysctls?.server) sysctls.server = options.sysctls.server;
    const lab = await openNamespaces({ namespaces: ['client', 'server'], sysctls });
    try {
      const clientNs = lab.ns('client');
      const serverNs = lab.ns('server');
      // Device names only need to be unique inside a namespace; the pid keeps them recognisable.
      const stem = `cl${process.pid % 100_000}-${n % 100}`;
      const clientDev = `${stem}c`;
      const serverDev = `${stem}s`;
      const shapes = {
        clientToServer: shapeFor(options, options.clientToServer),
        serverToClient: shapeFor(options, options.serverToClient),
      };
      const ts = import.meta.url.endsWith('.ts');
      const pumpMain = fileURLToPath(new URL(ts ? './pump-main.ts' : './pump-main.js', import.meta.url));
      // The pump runs inside the client namespace, so both devices are born
      // there and never appear on the host; the lab kills it at teardown, and
      // it dies with this process in any case (PR_SET_PDEATHSIG, stdin EOF).
      const pump = clientNs.spawn(process.execPath, [
        ...(ts ? ['--import', tsxLoader()] : []),
        pumpMain,
        JSON.stringify({ names: [clientDev, serverDev], aToB: shapes.clientToServer, bToA: shapes.serverToClient }),
      ], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      pump.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4096); });
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
      const mtu = String(options.mtu ?? 1500);
      await clientNs.ip(['link', 'set', 'dev', serverDev, 'netns', serverNs.name]);
      await clientNs.ip(['addr', 'add', CLIENT_ADDRESS, 'peer', `${SERVER_ADDRESS}/32`, 'dev', clientDev]);
      await serverNs.ip(['addr', 'add', SERVER_ADDRESS, 'peer', `${CLIENT_ADDRESS}/32`, 'dev', serverDev]);
      await clientNs.ip(['link', 'set', 'dev', clientDev, 'mtu', mtu, 'up']);
      await serverNs.ip(['link', 'set', 'dev', serverDev, 'mtu', mtu, 'up']);
      return new DelayLine(
        lab,
        pump,
        { ns: clientNs, device: clientDev, address: CLIENT_ADDRESS },
        { ns: serverNs, device: serverDev, address: SERVER_ADDRESS },
        shapes,
        reader,
      );
    } catch (error) {
      await lab.close();
      throw error;
    }
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

  /** Stop the pump, kill every child, delete both namespaces. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pump.stdin?.end();
    await this.lab.close();
  }

  private ask(command: PumpCommand): Promise<string> {
    if (this.closed) return Promise.reject(new NetlabError('NETLAB_DELAY_LINE', 'the delay line is closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new NetlabError('NETLAB_DELAY_LINE', `pump did not answer "${command.cmd}" within 5 s`)), 5_000);
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
