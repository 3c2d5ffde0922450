// The delay line's frame loop: read each Ethernet frame arriving on one port,
// hold it for the link's delay, write it out of the other. Synchronous on
// purpose: it runs alone in its own process, sleeping in ppoll until a frame
// arrives or one is due, so no event loop or GC pause of a lesson sits
// between them.
import { readSync, writeSync } from 'node:fs';
import { tcpSegment } from './impairment.js';
import { DelayQueue } from './link-model.js';
import type { LinkShape } from './link-model.js';
import { Poller, VNET_HDR_LEN, readFrame, takeDrops, writeFrame } from './raw-link.js';
import type { Port } from './raw-link.js';

/** Commands the pump reads as JSON lines on stdin. */
export type PumpCommand = { cmd: 'shape'; aToB?: LinkShape; bToA?: LinkShape } | { cmd: 'stats' } | { cmd: 'data-log' };

/**
 * TCP segments that carried data, per direction, as [ms, payload bytes]: the
 * kernel's receive time at the wire (CLOCK_REALTIME ms; only differences
 * mean anything). Returned and cleared by the `data-log` command.
 */
export type DataLog = Record<PumpDirection, [number, number][]>;

/** At most this many entries per direction are kept between two `data-log` commands. */
const DATA_LOG_LIMIT = 200_000;

/** Counters per direction, as the pump reports them. */
export interface DirectionStats {
  passed: number;
  /** Dropped at random (`loss`). */
  lost: number;
  /** Dropped at a full queue (`limit`, `limitBytes`). */
  overflow: number;
  /** Dropped on purpose (`dropSegments`). */
  dropped: number;
  /** Passed, but left before a packet that arrived earlier (`reorder`). */
  reordered: number;
  /** Dropped because the middlebox had forgotten their flow (`forgetIdleMs`). */
  forgotten: number;
  bytes: number;
  /** Frames the kernel dropped before the pump read them (its receive ring was full): the emulator's own loss. */
  kernelDrops: number;
  /** Frames the other port refused (its send buffer full, the device down): also the emulator's own loss. */
  writeDrops: number;
  /** Mean and worst time a packet left after its departure time. */
  meanLateMs: number;
  maxLateMs: number;
}
export interface PumpStats {
  aToB: DirectionStats;
  bToA: DirectionStats;
}

/** a = the client's side, b = the server's side. */
export type PumpDirection = 'aToB' | 'bToA';

/**
 * The one per-frame hook: called once for every frame as it arrives on a
 * port, after the link decided its fate. `dueMs` is when it will leave the
 * other port (same clock as `arrivedMs`, `process.hrtime` in ms), or
 * undefined when the link dropped it. A capture writes the frame here: an
 * Ethernet frame as on the wire (the pump's own copy, never reused).
 */
export type FrameTap = (direction: PumpDirection, frame: Buffer, arrivedMs: number, dueMs: number | undefined) => void;

export interface PumpOptions {
  a: Port;
  b: Port;
  aToB: LinkShape;
  bToA: LinkShape;
  /** fd carrying commands; its EOF (the parent went away) stops the pump. */
  controlFd: number;
  /** fd the pump writes its JSON replies to. */
  replyFd: number;
  tap?: FrameTap;
}

// Jumbo-sized: with segmentation offload off a frame is at most MTU + 14, but never truncate one.
const MAX_FRAME = 65_550;
// Bound the work per wakeup so one busy direction cannot starve the other.
const BATCH = 128;
// Sleeping until the exact departure time oversleeps by 0.1–1 ms on a busy
// VM; sleep until this much before it, then poll without sleeping.
const SPIN_MS = 0.25;
// Even with nothing queued, wake now and then (cheap) so a lost wakeup cannot hang the line.
const IDLE_WAIT_MS = 250;

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Run until the control fd reaches EOF. */
export function runPump(opts: PumpOptions): void {
  const { a, b, controlFd, replyFd, tap } = opts;
  const queues: Record<PumpDirection, DelayQueue<Buffer>> = {
    aToB: new DelayQueue<Buffer>(opts.aToB),
    bToA: new DelayQueue<Buffer>(opts.bToA),
  };
  const bytes: Record<PumpDirection, number> = { aToB: 0, bToA: 0 };
  const kernelDrops: Record<PumpDirection, number> = { aToB: 0, bToA: 0 };
  const writeDrops: Record<PumpDirection, number> = { aToB: 0, bToA: 0 };
  let dataLog: DataLog = { aToB: [], bToA: [] };
  const poller = new Poller([a.fd, b.fd, controlFd]);
  const scratch = Buffer.allocUnsafe(MAX_FRAME);
  const controlBuf = Buffer.alloc(4096);
  let pending = '';

  const reply = (message: unknown): void => {
    writeSync(replyFd, `${JSON.stringify(message)}\n`);
  };
  const ingest = (from: Port, direction: PumpDirection): void => {
    for (let i = 0; i < BATCH; i++) {
      const n = readFrame(from, scratch);
      if (n === 0) return;
      // Kept with its virtio_net_hdr, which goes back out with it.
      const packet = Buffer.allocUnsafe(n);
      scratch.copy(packet, 0, 0, n);
      const arrived = nowMs();
      const frame = packet.subarray(VNET_HDR_LEN);
      const segment = tcpSegment(frame);
      const due = queues[direction].push(arrived, packet, n - VNET_HDR_LEN, segment);
      if (segment && segment.payloadBytes > 0 && dataLog[direction].length < DATA_LOG_LIMIT)
        dataLog[direction].push([from.ring.stampMs, segment.payloadBytes]);
      tap?.(direction, frame, arrived, due);
    }
  };
  const flush = (direction: PumpDirection, to: Port): void => {
    for (const packet of queues[direction].takeDue(nowMs())) {
      if (writeFrame(to, packet)) bytes[direction] += packet.length - VNET_HDR_LEN;
      else writeDrops[direction]++;
    }
  };
  const control = (): boolean => {
    const n = readSync(controlFd, controlBuf);
    if (n === 0) return false;
    pending += controlBuf.toString('utf8', 0, n);
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (!line) continue;
      const command = JSON.parse(line) as PumpCommand;
      if (command.cmd === 'shape') {
        if (command.aToB) queues.aToB.shape = command.aToB;
        if (command.bToA) queues.bToA.shape = command.bToA;
        reply({ event: 'shaped' });
      } else if (command.cmd === 'data-log') {
        reply({ event: 'data-log', log: dataLog });
        dataLog = { aToB: [], bToA: [] };
      } else {
        // PACKET_STATISTICS counts since the last read, so keep the sum here.
        kernelDrops.aToB += takeDrops(a);
        kernelDrops.bToA += takeDrops(b);
        const describe = (direction: PumpDirection): DirectionStats => {
          const q = queues[direction];
          return {
            ...q.counts,
            bytes: bytes[direction],
            kernelDrops: kernelDrops[direction],
            writeDrops: writeDrops[direction],
            meanLateMs: q.counts.passed ? q.lateness.totalMs / q.counts.passed : 0,
            maxLateMs: q.lateness.maxMs,
          };
        };
        reply({ event: 'stats', stats: { aToB: describe('aToB'), bToA: describe('bToA') } satisfies PumpStats });
      }
    }
    return true;
  };

  for (;;) {
    const t = nowMs();
    const next = Math.min(queues.aToB.nextDue() ?? Infinity, queues.bToA.nextDue() ?? Infinity);
    const untilDue = next - t;
    const [readA, readB, readControl] = poller.wait(untilDue > SPIN_MS ? Math.min(IDLE_WAIT_MS, untilDue - SPIN_MS) : 0);
    if (readA) ingest(a, 'aToB');
    if (readB) ingest(b, 'bToA');
    flush('aToB', b);
    flush('bToA', a);
    if (readControl && !control()) return;
  }
}
