// Lesson 02: one HTTP transaction, phase by phase, on loopback and across a
// 20 ms-each-way link: where does the time go?
import { fileURLToPath } from 'node:url';
import { DelayLine, FaultRelay, TimedConnection, openRemoteTimer, spawnLocalNode, delayLineUnavailable, wanLinkFaults } from '@connlab/netlab';
import type { NamespaceChild } from '@connlab/netns';
import type { TimingResult } from '@connlab/netlab';

export interface Options {
  /** One-way delay of the emulated WAN. */
  delayMs: number;
  /** Server processing time per request. */
  processingMs: number;
  /** Requests per kind; the one with the median total is shown. */
  repeat: number;
  /** 'auto': the delay line when root, else the fault relay. */
  wan: 'auto' | 'delay-line' | 'relay';
}

export const defaultOptions: Options = { delayMs: 20, processingMs: 2, repeat: 5, wan: 'auto' };
export const quickOptions: Options = { ...defaultOptions, repeat: 3 };

export interface RunResult {
  options: Options;
  loopback: { byName: TimingResult; byAddress: TimingResult };
  wan: {
    kind: 'delay-line' | 'relay';
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
const isListening = (m: unknown): m is { type: 'listening'; port: number; dnsPort: number } => (m as { type?: string }).type === 'listening';

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

async function overDelayLine(o: Options, progress: (what: string) => void): Promise<RunResult['wan']> {
  const line = await DelayLine.open({ delayMs: o.delayMs });
  try {
    const server = line.spawnNode('server', serverScript, [line.server.address, String(o.processingMs)]);
    const { port, dnsPort } = await server.nextMessage(isListening, 30_000);
    const timer = await openRemoteTimer(line);
    try {
      progress(`timing requests across the delay line (${o.delayMs} ms each way)`);
      const host = line.server.address;
      const byName = await repeat(o.repeat, 'WAN, by name (DNS across the link)', () => timer.request({ host: 'server.connlab.test', port, connection: 'new', dnsServer: `${host}:${dnsPort}` }));
      const byAddress = await repeat(o.repeat, `WAN, ${host}`, () => timer.request({ host, port, connection: 'new' }));
      const rtt = byAddress.details.kernelRttMs;
      return { kind: 'delay-line', byName, byAddress, ...(typeof rtt === 'number' ? { kernelRttMs: rtt } : {}) };
    } finally {
      await timer.close();
    }
  } finally {
    await line.close();
  }
}

async function overRelay(o: Options): Promise<RunResult['wan']> {
  const { child, port } = await localServer(o);
  const relay = await FaultRelay.start({
    target: { host: '127.0.0.1', port },
    faults: wanLinkFaults(2 * o.delayMs),
  });
  try {
    const byAddress = await repeat(o.repeat, 'WAN (relay), 127.0.0.1', () => fresh({ host: '127.0.0.1', port: relay.port }));
    return { kind: 'relay', byAddress };
  } finally {
    await relay.close();
    await child.kill('SIGKILL');
  }
}

export async function run(o: Options = defaultOptions, progress: (what: string) => void = () => undefined): Promise<RunResult> {
  progress('timing requests on loopback');
  const lo = await loopback(o);
  const useLine = o.wan === 'delay-line' || (o.wan === 'auto' && delayLineUnavailable() === undefined);
  if (!useLine) progress('timing requests through the fault relay (no root: emulated in the application)');
  const wan = useLine ? await overDelayLine(o, progress) : await overRelay(o);
  return { options: o, loopback: lo, wan };
}
