// Loss and retransmission, over netlab's delay line (root or rootless).
//
// Part 1: one transfer of N full segments, four times: no loss; the 15th data
// segment dropped (mid-flight: duplicate ACKs follow, fast retransmit); the
// last one dropped (tail: nothing follows it, so a tail loss probe or the
// retransmission timeout must find it), once with TLP and once without.
// Part 2: goodput of a busy connection at several random loss rates, beside
// the Mathis et al. model.
import { DelayLine, delayLineUnavailable } from '@connlab/netlab';
import { captureIn, tcpSegments } from '@connlab/pcap';
import type { PcapFile } from '@connlab/pcap';
import type { NamespaceChild } from '@connlab/netns';
import { isSent } from './messages.js';
import type { PeerCommand, SendReport } from './messages.js';

/** Mathis, Semke, Mahdavi, Ott 1997: rate ≤ (MSS / RTT) · C / √p, C = √(3/2) ≈ 1.22 for periodic loss with delayed ACKs off. */
export const MATHIS_C = Math.sqrt(3 / 2);

/** The model's goodput in Mbit/s. */
export function mathisMbit(mss: number, rttMs: number, p: number): number {
  return (((mss * 8) / (rttMs / 1000)) * (MATHIS_C / Math.sqrt(p))) / 1e6;
}

export type LossCase = 'none' | 'mid' | 'tail' | 'tail-no-tlp';

export interface RunOptions {
  /** Round-trip time of the line. */
  rttMs: number;
  /** Full-sized segments in the transfer of part 1. */
  segments: number;
  /** Which data segment the mid-flight loss drops. */
  midSegment: number;
  /** Random loss rates of part 2. */
  lossRates: readonly number[];
  /** Seconds of sending per loss rate. */
  seconds: number;
  /** The sender's congestion control: reno is what the Mathis model describes. */
  congestion: string;
}

export interface CaseResult {
  loss: LossCase;
  /** dropSegments given to the line (1-based), empty for none. */
  dropped: number[];
  report: SendReport;
  /** Frames the line dropped on purpose (its own count). */
  lineDropped: number;
  /** The capture on the client's side of the line, before the loss: every data segment sent twice, and how long after the first copy. */
  wire?: WireRetransmits;
}

/** Retransmissions seen in a capture: data segments whose sequence number was sent before. */
export interface WireRetransmits {
  /** Frames the capture itself lost (then the evidence is incomplete). */
  captureDropped: number;
  resent: { seq: number; afterMs: number }[];
}

/** Data segments towards `port` sent more than once, from a capture of the sender's side. */
export function wireRetransmits(capture: PcapFile & { dropped: number }, port: number): WireRetransmits {
  const first = new Map<number, number>();
  const resent: WireRetransmits['resent'] = [];
  for (const s of tcpSegments(capture.linkType, capture.packets)) {
    if (s.dstPort !== port || s.payloadLength === 0) continue;
    const seen = first.get(s.seq);
    if (seen === undefined) first.set(s.seq, s.timestampUs);
    else resent.push({ seq: s.seq, afterMs: (s.timestampUs - seen) / 1000 });
  }
  return { captureDropped: capture.dropped, resent };
}

export interface GoodputPoint {
  p: number;
  report: SendReport;
  /** Fraction of data frames the line lost at random (its own count): the p the model is given. */
  observedLoss: number;
  /** Mathis at the observed loss fraction. */
  modelMbit: number;
}

export interface RunResult {
  options: RunOptions;
  mode: 'root' | 'rootless';
  /** MSS the sender used (full segments carry this many bytes). */
  mss: number;
  cases: CaseResult[];
  goodput: GoodputPoint[];
}

/** Full segments at MTU 1500 with TCP timestamps: 1500 − 20 (IP) − 20 (TCP) − 12 (timestamps). */
export const MSS = 1448;

async function ask(sender: NamespaceChild, command: PeerCommand): Promise<SendReport> {
  sender.send(command);
  const reply = await sender.nextMessage(isSent, 120_000);
  if (reply.type === 'failed') throw new Error(`the sender failed: ${reply.message}`);
  return reply;
}

/** Everything, on one delay line. Throws NETNS_UNAVAILABLE when namespaces cannot be made (see delayLineUnavailable()). */
export async function runOnLine(o: RunOptions, progress: (what: string) => void = () => undefined): Promise<RunResult> {
  const line = await DelayLine.open({ delayMs: o.rttMs / 2 });
  try {
    const peer = new URL('./peer-child.ts', import.meta.url);
    const sink = line.spawnNode('server', peer, ['sink']);
    const sender = line.spawnNode('client', peer, ['send']);
    const { port } = (await sink.nextMessage((m) => (m as { type?: string }).type === 'listening', 20_000)) as { port: number };
    const host = line.server.address;
    const base = { delayMs: o.rttMs / 2 };
    const cases: CaseResult[] = [];
    const plan: [LossCase, number[]][] = [
      ['none', []],
      ['mid', [o.midSegment]],
      ['tail', [o.segments]],
      ['tail-no-tlp', [o.segments]],
    ];
    for (const [loss, dropped] of plan) {
      progress(
        `${o.segments} segments, ${loss === 'none' ? 'no loss' : `segment ${dropped[0]} dropped${loss === 'tail-no-tlp' ? ', TLP off' : ''}`}`,
      );
      // TLP is tcp_early_retrans (0 off, 3 default), per namespace: only the sender's matters.
      await line.client.ns.setSysctl('net.ipv4.tcp_early_retrans', loss === 'tail-no-tlp' ? 0 : 3);
      await line.reshape({ clientToServer: { ...base, dropSegments: dropped } });
      const before = (await line.stats()).clientToServer.dropped;
      // The client's end of the line sees every copy the sender sent, the dropped one included.
      const capture = await captureIn(line.client.ns, line.client.device).catch(() => undefined);
      const report = await ask(sender, { type: 'transfer', host, port, bytes: o.segments * MSS, congestion: o.congestion });
      const wire = capture ? wireRetransmits(await capture.stop(), port) : undefined;
      cases.push({ loss, dropped, report, lineDropped: (await line.stats()).clientToServer.dropped - before, ...(wire ? { wire } : {}) });
    }
    await line.client.ns.setSysctl('net.ipv4.tcp_early_retrans', 3);
    const goodput: GoodputPoint[] = [];
    for (const p of o.lossRates) {
      progress(`goodput for ${o.seconds} s at ${(p * 100).toFixed(1)} % random loss`);
      await line.reshape({ clientToServer: { ...base, loss: p } });
      const before = (await line.stats()).clientToServer;
      const report = await ask(sender, { type: 'timed', host, port, seconds: o.seconds, congestion: o.congestion });
      const after = (await line.stats()).clientToServer;
      const lost = after.lost - before.lost;
      const passed = after.passed - before.passed;
      const observedLoss = lost / Math.max(1, lost + passed);
      goodput.push({ p, report, observedLoss, modelMbit: mathisMbit(report.sndMss, o.rttMs, observedLoss) });
    }
    sink.send({ type: 'stop' });
    sender.send({ type: 'stop' });
    return { options: o, mode: line.mode, mss: cases[0]?.report.sndMss ?? MSS, cases, goodput };
  } finally {
    await line.close();
  }
}

export interface LessonRun {
  result?: RunResult;
  skipped?: string;
}

/** The whole lesson, or the one-line reason it cannot run here. */
export async function run(o: RunOptions, progress: (what: string) => void = () => undefined): Promise<LessonRun> {
  const why = delayLineUnavailable();
  if (why) return { skipped: `skipped: loss needs the delay line (packets, not a byte stream): ${why}` };
  return { result: await runOnLine(o, progress) };
}
