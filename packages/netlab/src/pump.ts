// The delay line's packet loop: read each IP packet from one TUN device, hold
// it for the link's delay, write it to the other. Synchronous on purpose: it
// runs alone in its own process, sleeping in ppoll until a packet arrives or
// one is due, so no event loop or GC pause of a lesson sits between them.
import { readSync, writeSync } from 'node:fs';
import { DelayQueue } from './link-model.js';
import type { LinkShape } from './link-model.js';
import { Poller, readPacket, writePacket } from './tun.js';
import type { Tun } from './tun.js';

/** Commands the pump reads as JSON lines on stdin. */
export type PumpCommand =
  | { cmd: 'shape'; aToB?: LinkShape; bToA?: LinkShape }
  | { cmd: 'stats' };

/** Counters per direction, as the pump reports them. */
export interface DirectionStats {
  passed: number;
  lost: number;
  overflow: number;
  bytes: number;
  /** Mean and worst time a packet left after its departure time. */
  meanLateMs: number;
  maxLateMs: number;
}
export interface PumpStats {
  aToB: DirectionStats;
  bToA: DirectionStats;
}

export interface PumpOptions {
  a: Tun;
  b: Tun;
  aToB: LinkShape;
  bToA: LinkShape;
  /** fd carrying commands; its EOF (the parent went away) stops the pump. */
  controlFd: number;
  /** fd the pump writes its JSON replies to. */
  replyFd: number;
}

const MAX_PACKET = 65_535;
// Bound the work per wakeup so one busy direction cannot starve the other.
const BATCH = 128;
// Sleeping until the exact departure time oversleeps by 0.1–1 ms on a busy
// VM; sleep until this much before it, then poll without sleeping.
const SPIN_MS = 0.25;
// Even with nothing queued, wake now and then (cheap) so a lost wakeup cannot hang the line.
const IDLE_WAIT_MS = 250;

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Run until the control fd reaches EOF. */
export function runPump(opts: PumpOptions): void {
  const { a, b, controlFd, replyFd } = opts;
  const aToB = new DelayQueue<Buffer>(opts.aToB);
  const bToA = new DelayQueue<Buffer>(opts.bToA);
  const bytes = { aToB: 0, bToA: 0 };
  const poller = new Poller([a.fd, b.fd, controlFd]);
  const scratch = Buffer.allocUnsafe(MAX_PACKET);
  const controlBuf = Buffer.alloc(4096);
  let pending = '';

  const reply = (message: unknown): void => {
    writeSync(replyFd, `${JSON.stringify(message)}\n`);
  };
  const ingest = (from: Tun, queue: DelayQueue<Buffer>): void => {
    for (let i = 0; i < BATCH; i++) {
      const n = readPacket(from, scratch);
      if (n === 0) return;
      const packet = Buffer.allocUnsafe(n);
      scratch.copy(packet, 0, 0, n);
      queue.push(now(), packet, n);
    }
  };
  const flush = (queue: DelayQueue<Buffer>, to: Tun, key: 'aToB' | 'bToA'): void => {
    for (const packet of queue.takeDue(now())) {
      if (writePacket(to, packet)) bytes[key] += packet.length;
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
        if (command.aToB) aToB.shape = command.aToB;
        if (command.bToA) bToA.shape = command.bToA;
        reply({ event: 'shaped' });
      } else {
        const describe = (q: DelayQueue<Buffer>, sent: number): DirectionStats => ({
          ...q.counts,
          bytes: sent,
          meanLateMs: q.counts.passed ? q.lateness.totalMs / q.counts.passed : 0,
          maxLateMs: q.lateness.maxMs,
        });
        const stats: PumpStats = { aToB: describe(aToB, bytes.aToB), bToA: describe(bToA, bytes.bToA) };
        reply({ event: 'stats', stats });
      }
    }
    return true;
  };

  for (;;) {
    const t = now();
    const next = Math.min(aToB.nextDue() ?? Infinity, bToA.nextDue() ?? Infinity);
    const untilDue = next - t;
    const [readA, readB, readControl] = poller.wait(untilDue > SPIN_MS ? Math.min(IDLE_WAIT_MS, untilDue - SPIN_MS) : 0);
    if (readA) ingest(a, aToB);
    if (readB) ingest(b, bToA);
    flush(aToB, b, 'aToB');
    flush(bToA, a, 'bToA');
    if (readControl && !control()) return;
  }
}
