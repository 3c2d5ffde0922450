// Lesson 04: slow start measured from the sender's kernel, over the delay line.
import { fileURLToPath } from 'node:url';
import { DelayLine } from '@connlab/netlab';
import type { CwndSample, TransferReport } from './sender.js';

export interface Options {
  delayMs: number;
  /** Bytes per transfer (the notes' "large HTTP transaction"). */
  bytes: number;
  /** Idle time before the after-idle transfers; must exceed the RTO several times over. */
  idleMs: number;
}

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
}

export interface RunResult {
  options: Options;
  /** Where the delay line's namespaces lived. */
  mode: 'root' | 'rootless';
  /** Frames the delay line itself lost (its receive ring full, or its queue): should be 0. */
  lineDrops: number;
  transfers: Transfer[];
  congestion: string;
}

const isType = <T extends { type: string }>(type: T['type']) => (m: unknown): m is T => (m as { type?: string }).type === type;

function script(name: string): string {
  return fileURLToPath(new URL(`./${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
}

/** Cold, warm, and two after-idle transfers on one connection across the delay line (root or rootless). */
export async function run(o: Options = defaultOptions, progress: (what: string) => void = () => undefined): Promise<RunResult> {
  const line = await DelayLine.open({
    delayMs: o.delayMs,
    sysctls: {
      // Do not let a previous connection's ssthresh (tcp_metrics) shape this one.
      server: { 'net.ipv4.tcp_no_metrics_save': 1, 'net.ipv4.tcp_slow_start_after_idle': 1, 'net.ipv4.tcp_wmem': '4096 4194304 8388608' },
      client: { 'net.ipv4.tcp_rmem': '4096 4194304 8388608' },
    },
  });
  try {
    const sender = line.spawnNode('server', script('sender'), [line.server.address, 'cubic']);
    const { port } = await sender.nextMessage(isType<{ type: 'listening'; port: number }>('listening'), 30_000);
    const receiver = line.spawnNode('client', script('receiver'), [line.server.address, String(port)]);
    await receiver.nextMessage(isType<{ type: 'connected' }>('connected'), 30_000);
    const transfers: Transfer[] = [];
    let congestion = '';
    const fetch = async (name: Transfer['name']): Promise<void> => {
      progress(`${name}: ${o.bytes} bytes`);
      receiver.send({ cmd: 'fetch', bytes: o.bytes });
      const [{ ms }, report] = await Promise.all([
        receiver.nextMessage(isType<{ type: 'fetched'; ms: number }>('fetched'), 60_000),
        sender.nextMessage(isType<TransferReport>('transfer'), 60_000),
      ]);
      congestion = report.congestion;
      transfers.push({ name, ms, cwndBefore: report.cwndBefore, samples: report.samples, rtoMs: report.rtoMs, rttMs: report.rttMs });
    };
    await fetch('cold');
    await fetch('warm');
    progress(`idle ${o.idleMs} ms`);
    await new Promise((r) => setTimeout(r, o.idleMs));
    await fetch('after idle, slow_start_after_idle=1');
    await line.server.ns.setSysctl('net.ipv4.tcp_slow_start_after_idle', 0);
    progress(`idle ${o.idleMs} ms with slow_start_after_idle=0`);
    await new Promise((r) => setTimeout(r, o.idleMs));
    await fetch('after idle, slow_start_after_idle=0');
    receiver.send({ cmd: 'close' });
    const stats = await line.stats();
    const lineDrops = [stats.clientToServer, stats.serverToClient].reduce((n, d) => n + d.kernelDrops + d.writeDrops + d.lost + d.overflow, 0);
    return { options: o, mode: line.mode, lineDrops, transfers, congestion };
  } finally {
    await line.close();
  }
}

/** The window at the start of a transfer: the first sample after sending began. */
export function startingCwnd(t: Transfer): number {
  return t.samples[0]?.cwnd ?? t.cwndBefore;
}

/**
 * Data segments sent in each round trip, counted by RTT boundaries from the
 * first data segment (the write at t = 0), not by gaps in the ACKs (which
 * vanish once the window fills the path, merging every later round).
 *
 * In slow start round k's burst leaves about k RTTs after the first one, set
 * off by the ACKs of round k − 1. Each round is counted in a window one RTT
 * wide centred on that moment, [(k − ½)·RTT, (k + ½)·RTT): a burst that starts
 * a little late (pump, wakeups) or lasts a few ms still falls inside it.
 * The sender's TCP_INFO is read every millisecond; between bursts the count
 * stands still, so a late sample near a boundary changes nothing. The first
 * sample is taken right after the first write: if it came before any ACK
 * could (within one RTT), all it saw sent is the initial window, round 1,
 * however late the machine let it run.
 */
export function segmentsPerRound(samples: readonly CwndSample[], rttMs: number): number[] {
  const last = samples.at(-1);
  if (!last || !(rttMs > 0)) return [];
  const initial = samples[0]!.t < rttMs ? samples[0]!.sent : 0;
  const sentBy = (t: number): number => {
    let sent = initial;
    for (const s of samples) {
      if (s.t > t) break;
      sent = s.sent;
    }
    return sent;
  };
  const rounds: number[] = [];
  for (let k = 0, before = 0; (k - 0.5) * rttMs <= last.t; k++) {
    const upTo = sentBy((k + 0.5) * rttMs);
    rounds.push(upTo - before);
    before = upTo;
  }
  // Trailing empty rounds (the last ACKs coming back) are not rounds of sending.
  while (rounds.length > 0 && rounds.at(-1) === 0) rounds.pop();
  return rounds;
}

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
