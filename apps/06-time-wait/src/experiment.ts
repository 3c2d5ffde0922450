// TIME_WAIT and port exhaustion.
//
// Part 1 (host loopback, no root): N connect/close cycles in four ways, and
// the TIME_WAIT sockets each leaves, by the side that holds them.
// Part 2 (root): a private network namespace whose ephemeral port range is
// 10 ports, where the 11th connect fails, and what changes that.
import { netnsUnavailableReason, withNamespaces } from '@connlab/netns';
import { captureIn } from '@connlab/pcap';
import type { PcapFile } from '@connlab/pcap';
import { systemDefaults } from '@connlab/tcp-options';
import type { SystemDefaults } from '@connlab/tcp-options';
import { runCycles } from './cycles.js';
import type { CloseMode, CyclesOptions, CyclesResult } from './cycles.js';

export type { CloseMode, CyclesResult } from './cycles.js';

/** Linux keeps a socket in TIME_WAIT for TCP_TIMEWAIT_LEN = 60 s, fixed (include/net/tcp.h). */
export const TIME_WAIT_S = 60;
/** The book: about 60 000 ports and 2MSL = 120 s allow 500 new connections per second. */
export const BOOK = { ports: 60_000, timeWaitS: 120, perSecond: 500 } as const;
/** The tiny port range of the private namespace: 10 ports. */
export const TINY_RANGE = { low: 40000, high: 40009 } as const;

export const hostModes: readonly CloseMode[] = ['client-close', 'server-close', 'reset', 'keep-alive'];

export interface HostPart {
  defaults: SystemDefaults;
  runs: CyclesResult[];
  /** The TIME_WAIT length measured on this machine (longest of the runs), s. */
  timeWaitS: number;
  /** Ephemeral ports ÷ the measured TIME_WAIT length: new connections per second to one server, at most. */
  boundPerSecond: number;
}

export interface NamespaceStep {
  label: string;
  /** Sysctls set in the namespace before the step, and read back. */
  twReuse: number;
  options: CyclesOptions;
  result: CyclesResult;
}

export interface NamespacePart {
  portRange: string;
  timestamps: number;
  twReuseDelayMs: number | undefined;
  steps: NamespaceStep[];
  /** The namespace's loopback during the steps (each step's server listens on 8000 + its index). */
  capture?: PcapFile & { dropped: number };
}

export interface RunOptions {
  /** Cycles per mode on the host's loopback. */
  hostCycles: number;
  /** Cycles per step in the 10-port namespace. */
  namespaceCycles: number;
  /** Ephemeral ports in the namespace (default 10, from 40000). */
  ports?: number;
  /** Gap between cycles of the paced tcp_tw_reuse step, ms (default 150). */
  pacedGapMs?: number;
}

export interface RunResult {
  host: HostPart;
  namespace?: NamespacePart;
  /** One line when the namespace part could not run. */
  skipped?: string;
}

/** Part 1: the four close modes on this machine's loopback. */
export async function runHost(cycles: number): Promise<HostPart> {
  const defaults = systemDefaults();
  const runs: CyclesResult[] = [];
  for (const mode of hostModes) runs.push(await runCycles({ mode, cycles }));
  const lengths = runs.map((r) => r.timeWaitLengthMs).filter((ms) => Number.isFinite(ms));
  const timeWaitS = lengths.length ? Math.max(...lengths) / 1000 : Number.NaN;
  return { defaults, runs, timeWaitS, boundPerSecond: defaults.localPortRange.count / timeWaitS };
}

interface StepSpec {
  label: string;
  twReuse: number;
  options: CyclesOptions;
}

// Each step talks to its own server port: TIME_WAIT blocks a local port only
// towards the same destination address and port, so steps cannot disturb each other.
function steps(cycles: number, pacedGapMs: number): StepSpec[] {
  const list: StepSpec[] = [
    { label: 'client closes, tcp_tw_reuse=0', twReuse: 0, options: { mode: 'client-close', cycles } },
    { label: 'client closes, tcp_tw_reuse=1, back to back', twReuse: 1, options: { mode: 'client-close', cycles } },
    {
      label: `client closes, tcp_tw_reuse=1, one cycle per ${pacedGapMs} ms`,
      twReuse: 1,
      options: { mode: 'client-close', cycles, gapMs: pacedGapMs },
    },
    { label: 'server closes first, tcp_tw_reuse=0', twReuse: 0, options: { mode: 'server-close', cycles } },
    { label: 'client resets (RST), tcp_tw_reuse=0', twReuse: 0, options: { mode: 'reset', cycles } },
    { label: 'keep-alive: one connection, tcp_tw_reuse=0', twReuse: 0, options: { mode: 'keep-alive', cycles } },
  ];
  return list.map((step, i) => ({ ...step, options: { ...step.options, serverPort: 8000 + i } }));
}

const isResult = (m: unknown): m is { type: 'result'; result: CyclesResult } => (m as { type?: string }).type === 'result';

/**
 * Part 2: in a private namespace with a tiny port range (default 10 ports),
 * run each step and report how far it got; `pacedGapMs` spaces the cycles
 * of the paced tcp_tw_reuse step. Needs root (throws NetnsUnavailableError otherwise).
 *
 * @example
 * ```ts
 * const ns = await runNamespace(20);
 * ns.steps[0]?.result.failedAt; // 11
 * ```
 */
export async function runNamespace(
  cycles: number,
  range: { low: number; high: number } = TINY_RANGE,
  pacedGapMs = 150,
): Promise<NamespacePart> {
  return withNamespaces(
    {
      namespaces: ['tiny'],
      sysctls: { tiny: { 'net.ipv4.ip_local_port_range': `${range.low} ${range.high}` } },
    },
    async (lab) => {
      const ns = lab.ns('tiny');
      const child = ns.spawnNode(new URL('./ns-child.ts', import.meta.url));
      const capture = await captureIn(ns, 'lo');
      const part: NamespacePart = {
        portRange: await ns.sysctl('net.ipv4.ip_local_port_range'),
        timestamps: Number(await ns.sysctl('net.ipv4.tcp_timestamps')),
        twReuseDelayMs: await ns.sysctl('net.ipv4.tcp_tw_reuse_delay').then(Number, () => undefined),
        steps: [],
      };
      for (const step of steps(cycles, pacedGapMs)) {
        await ns.setSysctl('net.ipv4.tcp_tw_reuse', step.twReuse);
        const twReuse = Number(await ns.sysctl('net.ipv4.tcp_tw_reuse'));
        child.send({ type: 'run', options: step.options });
        const { result } = await child.nextMessage(isResult, 60_000);
        part.steps.push({ label: step.label, twReuse, options: step.options, result });
      }
      child.send({ type: 'stop' });
      part.capture = await capture.stop();
      return part;
    },
  );
}

/** The whole lesson. */
export async function run(options: RunOptions, progress: (what: string) => void = () => undefined): Promise<RunResult> {
  progress(`${options.hostCycles} connect/close cycles per mode on loopback`);
  const host = await runHost(options.hostCycles);
  const reason = netnsUnavailableReason();
  if (reason) return { host, skipped: `skipped: port exhaustion in a 10-port namespace: ${reason}` };
  progress('port exhaustion in a private namespace with 10 ports');
  const range = options.ports === undefined ? TINY_RANGE : { low: TINY_RANGE.low, high: TINY_RANGE.low + options.ports - 1 };
  return { host, namespace: await runNamespace(options.namespaceCycles, range, options.pacedGapMs) };
}
