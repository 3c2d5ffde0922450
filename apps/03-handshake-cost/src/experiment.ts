// Lesson 03: the same small request on a new connection and on a reused one,
// on loopback and across an emulated WAN: what the TCP handshake costs.
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '@connlab/lab';
import { readPcapFile } from '@connlab/pcap';
import type { PcapFile } from '@connlab/pcap';
import { TimedConnection, openRemoteTimer, openWan, spawnLocalNode } from '@connlab/netlab';
import type { NamespaceChild } from '@connlab/netns';
import type { TimingResult, Wan, WanChoice } from '@connlab/netlab';

export interface Options {
  delayMs: number;
  /** Requests of each kind (new, reused) per path. */
  requests: number;
  /** 'auto': the delay line (root or rootless), or no WAN part; 'relay' only when asked for. */
  wan: WanChoice;
}

export const defaultOptions: Options = { delayMs: 20, requests: 9, wan: 'auto' };
export const quickOptions: Options = { ...defaultOptions, requests: 5 };

/** The runs of one path (loopback or WAN). */
export interface PathResult {
  fresh: TimingResult[];
  reused: TimingResult[];
  /** Median totals, ms. */
  freshMs: number;
  reusedMs: number;
  /** (fresh − reused) / fresh: the handshake's share of a small transaction. */
  handshakeShare: number;
}

export interface RunResult {
  options: Options;
  loopback: PathResult;
  /** Absent when no WAN could be made here (`wanSkipped` says why). */
  wan?: PathResult & { kind: Wan['kind']; describe: string };
  wanSkipped?: string;
  /** Every frame the delay line forwarded, as the client's end saw it (delay line only). */
  wanCapture?: PcapFile;
}

type Ask = (connection: 'new' | 'reuse', label: string) => Promise<TimingResult>;

export function summarizePath(fresh: TimingResult[], reused: TimingResult[]): PathResult {
  const freshMs = median(fresh.map((t) => t.total));
  const reusedMs = median(reused.map((t) => t.total));
  return { fresh, reused, freshMs, reusedMs, handshakeShare: (freshMs - reusedMs) / freshMs };
}

async function measure(n: number, ask: Ask): Promise<PathResult> {
  const fresh: TimingResult[] = [];
  const reused: TimingResult[] = [];
  // Alternate, so that a slow moment of the machine hits both kinds alike.
  await ask('new', 'warm-up');
  for (let i = 0; i < n; i++) {
    fresh.push(await ask('new', 'new connection'));
    // The 'new' request above left its connection open: this one reuses it.
    reused.push(await ask('reuse', 'reused connection'));
  }
  return summarizePath(fresh, reused);
}

function localAsk(host: string, port: number): { ask: Ask; close: () => void } {
  let conn: TimedConnection | undefined;
  return {
    ask: async (connection, label) => {
      if (connection === 'new' || !conn) {
        conn?.close();
        conn = new TimedConnection({ host, port });
      }
      return (await conn.request({ path: '/', label })).timing;
    },
    close: () => conn?.close(),
  };
}

const serverScript = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './server-child.ts' : './server-child.js', import.meta.url));
const isListening = (m: unknown): m is { type: 'listening'; port: number } => (m as { type?: string }).type === 'listening';

/** The server in its own process on 127.0.0.1, so its accept work is not timed as the client's connect. */
async function localServer(): Promise<{ child: NamespaceChild; port: number }> {
  const child = spawnLocalNode(serverScript, ['127.0.0.1']);
  const { port } = await child.nextMessage(isListening, 30_000);
  return { child, port };
}

async function loopback(o: Options): Promise<PathResult> {
  const { child, port } = await localServer();
  const local = localAsk('127.0.0.1', port);
  try {
    return await measure(o.requests, local.ask);
  } finally {
    local.close();
    await child.kill('SIGKILL');
  }
}

async function overWan(o: Options, wan: Wan): Promise<PathResult> {
  const server = wan.spawnServer(serverScript, [wan.serverAddress]);
  const port = await wan.reach((await server.nextMessage(isListening, 30_000)).port);
  const timer = await openRemoteTimer(wan);
  try {
    return await measure(o.requests, (connection, label) => timer.request({ host: wan.serverAddress, port, connection, label }));
  } finally {
    await timer.close();
  }
}

export async function run(
  o: Options = defaultOptions,
  progress: (what: string) => void = () => undefined,
  capturePath?: string,
): Promise<RunResult> {
  progress('new vs reused connections on loopback');
  const lo = await loopback(o);
  // The delay line records every frame it forwards: the handshake the lesson is about, on the wire.
  const dir = capturePath ? undefined : await mkdtemp(join(tmpdir(), 'connlab-03-'));
  const pcap = capturePath ?? join(dir!, 'wan.pcap');
  try {
    const wan = await openWan({ delayMs: o.delayMs, choice: o.wan, capturePath: pcap });
    if (wan.kind === 'none') return { options: o, loopback: lo, wanSkipped: wan.reason };
    let result: RunResult;
    try {
      progress(
        wan.kind === 'delay-line'
          ? `new vs reused connections over the delay line (${o.delayMs} ms each way)`
          : 'new vs reused connections through the fault relay (emulated in the application)',
      );
      result = { options: o, loopback: lo, wan: { ...(await overWan(o, wan)), kind: wan.kind, describe: wan.describe } };
    } finally {
      await wan.close();
    }
    if (wan.kind === 'delay-line') result.wanCapture = await readPcapFile(pcap);
    return result;
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
