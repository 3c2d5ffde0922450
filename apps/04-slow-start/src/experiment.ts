// Lesson 04: slow start measured from the sender's kernel, over the delay line.
import { fileURLToPath } from 'node:url';
import { isRoot } from '@connlab/lab';
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
}

export interface RunResult {
  options: Options;
  transfers: Transfer[];
  congestion: string;
}

const isType = <T extends { type: string }>(type: T['type']) => (m: unknown): m is T => (m as { type?: string }).type === type;

function script(name: string): string {
  return fileURLToPath(new URL(`./${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
}

/** Cold, warm, and two after-idle transfers on one connection across the delay line (root only). */
export async function run(o: Options = defaultOptions, progress: (what: string) => void = () => undefined): Promise<RunResult> {
  if (!isRoot() || process.platform !== 'linux') throw new Error('run() measures over the delay line and needs root on Linux; use slowStartModel() otherwise');
  const line = await DelayLine.open({
    delayMs: o.delayMs,
    sysctls: {
      // Do not let a previous connection's ssthresh (tcp_metrics) shape this one.
      server: { 'net.ipv4.tcp_no_metrics_save': 1, 'net.ipv4.tcp_slow_start_after_idle': 1 },
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
      transfers.push({ name, ms, cwndBefore: report.cwndBefore, samples: report.samples, rtoMs: report.rtoMs });
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
    return { options: o, transfers, congestion };
  } finally {
    await line.close();
  }
}

/** The window at the start of a transfer: the first sample after sending began. */
export function startingCwnd(t: Transfer): number {
  return t.samples[0]?.cwnd ?? t.cwndBefore;
}

/**
 * The window once per round trip, by the ACK clock: in slow start the ACKs
 * of one round arrive as a burst, then nothing for most of an RTT. A gap of half
 * an RTT without new ACKs starts the next round; each round reports
 * the window at the end of its burst. The first entry is the window before any ACK.
 * Once the window fills the path, ACKs never pause and the rounds merge.
 */
export function cwndPerRound(samples: readonly CwndSample[], rttMs: number): number[] {
  const first = samples[0];
  if (!first) return [];
  const rounds = [first.cwnd];
  let acked = first.acked;
  let lastAck = first.t;
  let sawAck = false;
  for (const s of samples) {
    if (s.acked <= acked) continue;
    if (!sawAck || s.t - lastAck >= rttMs / 2) rounds.push(s.cwnd);
    else rounds[rounds.length - 1] = s.cwnd;
    sawAck = true;
    acked = s.acked;
    lastAck = s.t;
  }
  return rounds;
}
