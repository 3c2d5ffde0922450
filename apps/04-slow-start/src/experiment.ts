// Lesson 04: slow start measured from the sender's kernel, over the delay line.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '@connlab/lab';
import { DelayLine } from '@connlab/netlab';
import { readPcapFile } from '@connlab/pcap';
import type { PcapFile } from '@connlab/pcap';
import type { CwndSample, TransferReport } from './sender-child.js';

export interface Options {
  delayMs: number;
  /** Bytes per transfer (the notes' "large HTTP transaction"). */
  bytes: number;
  /** Idle time before the after-idle transfers; must exceed the RTO several times over. */
  idleMs: number;
}

/**
 * Reno: RFC 5681's slow start exactly, doubling until a loss. Cubic adds
 * HyStart, which leaves slow start early when the RTT grows within a round;
 * on a busy machine an unprivileged pump (no real-time priority) runs late
 * enough to trigger it, and the lesson would show the machine's load, not
 * slow start.
 */
export const CONGESTION = 'reno';

export const defaultOptions: Options = { delayMs: 20, bytes: 2 << 20, idleMs: 2000 };
export const quickOptions: Options = { ...defaultOptions };

/** One transfer as both ends saw it. */
export interface Transfer {
  name: 'cold' | 'warm' | 'after idle, slow_start_after_idle=1' | 'after idle, slow_start_after_idle=0';
  /** Receiver: request sent → last byte. */
  ms: number;
  /** Sender: cwnd just before writing, and the samples during the transfer. */
  cwndBefore: number;
  samples: CwndSample[];
  rtoMs: number;
  /** The connection's RTT before the transfer, ms. */
  rttMs: number;
  /** When each data segment of the transfer reached the wire, ms after the first (the kernel's stamps). */
  wire: number[];
}

export interface RunResult {
  options: Options;
  /** Every frame the delay line forwarded, as the client's end saw it. */
  capture?: PcapFile;
  /** Where the delay line's namespaces lived. */
  mode: 'root' | 'rootless';
  /** Frames the delay line itself lost (its receive ring full, or its queue): should be 0. */
  lineDrops: number;
  transfers: Transfer[];
  congestion: string;
}

const isType =
  <T extends { type: string }>(type: T['type']) =>
  (m: unknown): m is T =>
    (m as { type?: string }).type === type;

// The two child entries; a packed build runs the .js beside this file.
const ts = import.meta.url.endsWith('.ts');
const senderChild = fileURLToPath(new URL(ts ? './sender-child.ts' : './sender-child.js', import.meta.url));
const receiverChild = fileURLToPath(new URL(ts ? './receiver-child.ts' : './receiver-child.js', import.meta.url));

/** Cold, warm, and two after-idle transfers on one connection across the delay line (root or rootless). */
export async function run(
  o: Options = defaultOptions,
  progress: (what: string) => void = () => undefined,
  capturePath?: string,
): Promise<RunResult> {
  // The line records every frame it forwards: the flights of slow start, on the wire.
  const dir = capturePath ? undefined : await mkdtemp(join(tmpdir(), 'connlab-04-'));
  const pcap = capturePath ?? join(dir!, 'line.pcap');
  try {
    const result = await runOnLine(o, progress, pcap);
    return { ...result, capture: await readPcapFile(pcap) };
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

async function runOnLine(o: Options, progress: (what: string) => void, capturePath: string): Promise<RunResult> {
  const line = await DelayLine.open({
    delayMs: o.delayMs,
    capturePath,
    sysctls: {
      // Do not let a previous connection's ssthresh (tcp_metrics) shape this one.
      server: { 'net.ipv4.tcp_no_metrics_save': 1, 'net.ipv4.tcp_slow_start_after_idle': 1, 'net.ipv4.tcp_wmem': '4096 4194304 8388608' },
      client: { 'net.ipv4.tcp_rmem': '4096 4194304 8388608' },
    },
  });
  try {
    const sender = line.spawnNode('server', senderChild, [line.server.address, CONGESTION]);
    const { port } = await sender.nextMessage(isType<{ type: 'listening'; port: number }>('listening'), 30_000);
    const receiver = line.spawnNode('client', receiverChild, [line.server.address, String(port)]);
    await receiver.nextMessage(isType<{ type: 'connected' }>('connected'), 30_000);
    const transfers: Transfer[] = [];
    let congestion = '';
    const fetch = async (name: Transfer['name']): Promise<void> => {
      progress(`${name}: ${o.bytes} bytes`);
      await line.dataLog(); // forget what came before this transfer
      receiver.send({ cmd: 'fetch', bytes: o.bytes });
      const [{ ms }, report] = await Promise.all([
        receiver.nextMessage(isType<{ type: 'fetched'; ms: number }>('fetched'), 60_000),
        sender.nextMessage(isType<TransferReport>('transfer'), 60_000),
      ]);
      congestion = report.congestion;
      // The sender's data segments as they reached the wire (the server sends: server → client).
      const sent = (await line.dataLog()).serverToClient;
      const first = sent[0]?.[0] ?? 0;
      const wire = sent.map(([t]) => Math.round((t - first) * 1000) / 1000);
      transfers.push({ name, ms, cwndBefore: report.cwndBefore, samples: report.samples, rtoMs: report.rtoMs, rttMs: report.rttMs, wire });
    };
    await fetch('cold');
    await fetch('warm');
    progress(`idle ${o.idleMs} ms`);
    await sleep(o.idleMs);
    await fetch('after idle, slow_start_after_idle=1');
    await line.server.ns.setSysctl('net.ipv4.tcp_slow_start_after_idle', 0);
    progress(`idle ${o.idleMs} ms with slow_start_after_idle=0`);
    await sleep(o.idleMs);
    await fetch('after idle, slow_start_after_idle=0');
    receiver.send({ cmd: 'close' });
    const stats = await line.stats();
    const lineDrops = [stats.clientToServer, stats.serverToClient].reduce(
      (n, d) => n + d.kernelDrops + d.writeDrops + d.lost + d.overflow,
      0,
    );
    return { options: o, mode: line.mode, lineDrops, transfers, congestion };
  } finally {
    await line.close();
  }
}

/**
 * Linux (tcp_cwnd_restart): after idle, the window halves for every RTO the
 * connection sat idle, down to the initial window. With at least `idleMs` of
 * idle, at most this much is left. The RTO varies with the line's jitter, so
 * it is the one the kernel had before the transfer.
 */
export function restartBound(t: Transfer, idleMs: number, initial = 10): number {
  return Math.max(initial, Math.floor(t.cwndBefore / 2 ** Math.floor(idleMs / t.rtoMs)));
}

/** The window at the start of a transfer: the first sample after sending began. */
export function startingCwnd(t: Transfer): number {
  return t.samples[0]?.cwnd ?? t.cwndBefore;
}

/**
 * Data segments per round trip, from the wire: rounds are bounded by RTTs
 * from the first data segment of each round, not by gaps in the ACKs (which
 * vanish once the window fills the path, merging every later round).
 *
 * Round 1 starts with the first segment. A round's ACKs cannot come back, and
 * so the next round cannot start, sooner than one RTT after its first segment;
 * so round k + 1 starts with the first segment at least 0.9 RTT after round
 * k's first. A round that leaves late (a busy machine) moves the later ones
 * with it instead of spilling into them. Once sending never pauses (the path
 * is full), each round is simply the next 0.9 RTT of segments.
 *
 * @param wire times in ms at which each data segment reached the wire, ascending
 */
export function segmentsPerRound(wire: readonly number[], rttMs: number): number[] {
  if (wire.length === 0 || !(rttMs > 0)) return [];
  const rounds: number[] = [];
  let start = wire[0]!;
  let count = 0;
  for (const t of wire) {
    if (t >= start + ROUND_FRACTION * rttMs) {
      rounds.push(count);
      start = t;
      count = 0;
    }
    count++;
  }
  rounds.push(count);
  return rounds;
}

/** A round lasts at least this fraction of the RTT (the ACK clock cannot run faster than the path). */
export const ROUND_FRACTION = 0.9;

/** Within ± this fraction of the doubling model a round counts as a doubling (issue: ±25 %). */
export const DOUBLING_TOLERANCE = 0.25;

/**
 * How many rounds from the first follow 10 → 20 → 40 → … within the tolerance:
 * the rounds spent in slow start, until the window stops doubling (the path is
 * full, or the data runs out). Doublings = this − 1.
 */
export function doublingRounds(rounds: readonly number[], initial: number): number {
  let n = 0;
  while (n < rounds.length && Math.abs(rounds[n]! - initial * 2 ** n) <= DOUBLING_TOLERANCE * initial * 2 ** n) n++;
  return n;
}
