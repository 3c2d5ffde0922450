// Lesson 02: one HTTP transaction, phase by phase, on loopback and across a
// 20 ms-each-way link: where does the time go?
import { fileURLToPath } from 'node:url';
import { TimedConnection, openRemoteTimer, openWan, spawnLocalNode } from '@connlab/netlab';
import type { NamespaceChild } from '@connlab/netns';
import type { TimingResult, Wan, WanChoice } from '@connlab/netlab';

export interface Options {
  /** One-way delay of the emulated WAN. */
  delayMs: number;
  /** Server processing time per request. */
  processingMs: number;
  /** Requests per kind; the one with the median total is shown. */
  repeat: number;
  /** 'auto': the delay line (root or rootless), or no WAN part; 'relay' only when asked for. */
  wan: WanChoice;
}

export const defaultOptions: Options = { delayMs: 20, processingMs: 2, repeat: 5, wan: 'auto' };
export const quickOptions: Options = { ...defaultOptions, repeat: 3 };

export interface RunResult {
  options: Options;
  loopback: { byName: TimingResult; byAddress: TimingResult };
  /** Absent when no WAN could be made here (`wanSkipped` says why). */
  wanSkipped?: string;
  wan?: {
    kind: Wan['kind'];
    describe: string;
    /** By name through a DNS server on the far side (delay line only). */
    byName?: TimingResult;
    byAddress: TimingResult;
    /** RTT the kernel measured on the WAN connection (delay line only), ms. */
    kernelRttMs?: number;
  };
}

/** The transaction whose total is the median of the runs. */
export function medianRun(runs: readonly TimingResult[]): TimingResult {
  const sorted = [...runs].sort((a, b) => a.total - b.total);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function repeat(n: number, label: string, once: () => Promise<TimingResult>): Promise<TimingResult> {
  const runs: TimingResult[] = [];
  for (let i = 0; i < n; i++) runs.push(await once());
  return { ...medianRun(runs), label };
}

async function fresh(options: ConstructorParameters<typeof TimedConnection>[0]): Promise<TimingResult> {
  const conn = new TimedConnection(options);
  try {
    return (await conn.request({ path: '/' })).timing;
  } finally {
    conn.close();
  }
}

const serverScript = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './server-child.ts' : './server-child.js', import.meta.url));
const isListening = (m: unknown): m is { type: 'listening'; port: number; dnsPort: number } =>
  (m as { type?: string }).type === 'listening';

/** The server in its own process on 127.0.0.1, so its work is not timed as the client's. */
async function localServer(o: Options): Promise<{ child: NamespaceChild; port: number }> {
  const child = spawnLocalNode(serverScript, ['127.0.0.1', String(o.processingMs)]);
  const { port } = await child.nextMessage(isListening, 30_000);
  return { child, port };
}

async function loopback(o: Options): Promise<RunResult['loopback']> {
  const { child, port } = await localServer(o);
  try {
    const byName = await repeat(o.repeat, 'loopback, "localhost"', () => fresh({ host: 'localhost', port, family: 4 }));
    const byAddress = await repeat(o.repeat, 'loopback, 127.0.0.1', () => fresh({ host: '127.0.0.1', port }));
    return { byName, byAddress };
  } finally {
    await child.kill('SIGKILL');
  }
}

async function overWan(o: Options, wan: Wan, progress: (what: string) => void): Promise<NonNullable<RunResult['wan']>> {
  const server = wan.spawnServer(serverScript, [wan.serverAddress, String(o.processingMs)]);
  const listening = await server.nextMessage(isListening, 30_000);
  const port = await wan.reach(listening.port);
  const timer = await openRemoteTimer(wan);
  try {
    const host = wan.serverAddress;
    if (wan.kind === 'relay') {
      progress('timing requests through the fault relay (emulated in the application)');
      // DNS is not on the relay's path at all: only the by-address transaction means anything here.
      const byAddress = await repeat(o.repeat, `WAN (relay), ${host}`, () => timer.request({ host, port, connection: 'new' }));
      return { kind: 'relay', describe: wan.describe, byAddress };
    }
    progress(`timing requests across the delay line (${o.delayMs} ms each way)`);
    const byName = await repeat(o.repeat, 'WAN, by name (DNS across the link)', () =>
      timer.request({ host: 'server.connlab.test', port, connection: 'new', dnsServer: `${host}:${listening.dnsPort}` }),
    );
    const byAddress = await repeat(o.repeat, `WAN, ${host}`, () => timer.request({ host, port, connection: 'new' }));
    const rtt = byAddress.details.kernelRttMs;
    return { kind: 'delay-line', describe: wan.describe, byName, byAddress, ...(typeof rtt === 'number' ? { kernelRttMs: rtt } : {}) };
  } finally {
    await timer.close();
  }
}

export async function run(o: Options = defaultOptions, progress: (what: string) => void = () => undefined): Promise<RunResult> {
  progress('timing requests on loopback');
  const lo = await loopback(o);
  const wan = await openWan({ delayMs: o.delayMs, choice: o.wan });
  if (wan.kind === 'none') return { options: o, loopback: lo, wanSkipped: wan.reason };
  try {
    return { options: o, loopback: lo, wan: await overWan(o, wan, progress) };
  } finally {
    await wan.close();
  }
}
