// What happens to one packet on an emulated link: when it leaves, or whether
// it is lost. Pure arithmetic, so the pump and the tests share it.
import type { SegmentInfo } from './impairment.js';

/** The shape of one direction of an emulated link. */
export interface LinkShape {
  /** One-way propagation delay added to every packet. */
  delayMs: number;
  /** Uniform random variation of the delay, ± this much. Packets stay in order unless `reorder`. */
  jitterMs?: number;
  /**
   * Let jitter reorder packets, as netem's does: a packet may leave before one
   * that arrived earlier (counted in `reordered`). Off by default, because
   * TCP reads three duplicate ACKs from reordering as a loss.
   */
  reorder?: boolean;
  /** Bottleneck rate in Mbit/s; 0 or absent = as fast as the pump goes. */
  rateMbit?: number;
  /** Probability (0..1) that a packet is dropped at random. */
  loss?: number;
  /** Packets the link holds at most (queued + in flight) before tail drop; netem's `limit`. */
  limit?: number;
  /** Bytes the link holds at most (queued + in flight) before tail drop, like a router's byte-sized buffer. */
  limitBytes?: number;
  /**
   * Drop these TCP data segments (1-based: the Nth frame carrying TCP payload
   * in this direction since the shape was set, retransmissions counted too),
   * e.g. [5] drops the 5th data segment once; its retransmission passes.
   */
  dropSegments?: readonly number[];
  /**
   * A middlebox with a flow table (a NAT, a stateful firewall, a load
   * balancer): a TCP flow is known from its SYN (or SYN+ACK) on, and when it
   * has been idle in this direction longer than this, the box forgets it and
   * silently drops its frames from then on (`forgotten`). Flows that began
   * before this was set count as unknown.
   */
  forgetIdleMs?: number;
}

/**
 * netem's default `limit` is 1000 packets; the delay line holds more so that a
 * fast sender's window (a few hundred packets at 20 ms and 150 Mbit/s) never
 * meets a drop that a real long path would not have caused.
 */
export const DEFAULT_LINK_LIMIT = 10_000;

interface Queued<T> {
  due: number;
  item: T;
  bytes: number;
}

/**
 * A queue of packets, each released at its departure time. Departure =
 * transmission end on a `rateMbit` link (if any) + delay ± jitter, never
 * before the packet ahead of it unless the shape says `reorder` (netem's
 * jitter reorders; this one does only when asked).
 *
 * @example
 * const q = new DelayQueue<Buffer>({ delayMs: 20 });
 * q.push(nowMs(), packet);            // its departure time, or undefined when dropped
 * for (const p of q.takeDue(nowMs())) write(p);
 */
export class DelayQueue<T> {
  private items: Queued<T>[] = [];
  private head = 0;
  private linkFree = 0;
  private lastDue = 0;
  private queuedBytes = 0;
  private dataSegments = 0;
  private shapeNow: LinkShape;
  /**
   * Packets accepted, dropped by `loss`, dropped by `limit`/`limitBytes`,
   * dropped by `dropSegments`, and accepted packets that will leave before one
   * that arrived earlier (`reorder`).
   */
  readonly counts = { passed: 0, lost: 0, overflow: 0, dropped: 0, reordered: 0, forgotten: 0 };
  /** The middlebox's flow table: last frame of each known flow ("srcPort>dstPort"). */
  private readonly flows = new Map<string, number>();

  constructor(
    shape: LinkShape,
    private readonly random: () => number = Math.random,
  ) {
    this.shapeNow = shape;
  }

  get shape(): LinkShape {
    return this.shapeNow;
  }

  /** A new shape; `dropSegments` counts data segments from here. */
  set shape(shape: LinkShape) {
    this.shapeNow = shape;
    this.dataSegments = 0;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /**
   * Queue `item` (of `bytes` on the wire, carrying `segment` when it is TCP)
   * arriving at `now`; its departure time, or undefined if it was dropped.
   */
  push(now: number, item: T, bytes = 0, segment?: SegmentInfo): number | undefined {
    const {
      delayMs,
      jitterMs = 0,
      rateMbit = 0,
      loss = 0,
      limit = DEFAULT_LINK_LIMIT,
      limitBytes = Infinity,
      dropSegments,
      reorder = false,
      forgetIdleMs,
    } = this.shape;
    if (segment && forgetIdleMs !== undefined && !this.knownFlow(now, segment, forgetIdleMs)) {
      this.counts.forgotten++;
      return undefined;
    }
    if (segment && segment.payloadBytes > 0) {
      this.dataSegments++;
      if (dropSegments?.includes(this.dataSegments)) {
        this.counts.dropped++;
        return undefined;
      }
    }
    if (this.length >= limit || this.queuedBytes + bytes > limitBytes) {
      this.counts.overflow++;
      return undefined;
    }
    if (loss > 0 && this.random() < loss) {
      this.counts.lost++;
      return undefined;
    }
    let sent = now;
    if (rateMbit > 0) {
      // bits / (Mbit/s) = µs; /1000 → ms.
      this.linkFree = Math.max(this.linkFree, now) + (bytes * 8) / rateMbit / 1000;
      sent = this.linkFree;
    }
    const jitter = jitterMs > 0 ? (this.random() * 2 - 1) * jitterMs : 0;
    const due = reorder ? sent + delayMs + jitter : Math.max(sent + delayMs + jitter, this.lastDue);
    if (due < this.lastDue) {
      this.counts.reordered++;
      this.insertSorted({ due, item, bytes });
    } else {
      this.items.push({ due, item, bytes });
    }
    this.lastDue = Math.max(this.lastDue, due);
    this.queuedBytes += bytes;
    this.counts.passed++;
    return due;
  }

  /** The flow table's verdict on one segment: a SYN opens (or reopens) its flow; anything else must find it fresh. */
  private knownFlow(now: number, segment: SegmentInfo, idleMs: number): boolean {
    const key = `${segment.srcPort}>${segment.dstPort}`;
    const SYN = 0x02;
    const last = this.flows.get(key);
    if ((segment.flags & SYN) === 0 && (last === undefined || now - last > idleMs)) {
      this.flows.delete(key);
      return false;
    }
    this.flows.set(key, now);
    // A table that only grows: drop flows idle for long once it gets big.
    if (this.flows.size > 10_000) for (const [k, t] of this.flows) if (now - t > idleMs) this.flows.delete(k);
    return true;
  }

  /** Put an early packet ahead of the later ones still queued (reordering). */
  private insertSorted(entry: Queued<T>): void {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid]!.due <= entry.due) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, entry);
  }

  /** Departure time of the next packet, or undefined when empty. */
  nextDue(): number | undefined {
    return this.items[this.head]?.due;
  }

  /** How late packets left, against their departure time: the emulator's own error. */
  readonly lateness = { totalMs: 0, maxMs: 0 };

  /** Remove and return every packet whose departure time is ≤ `now`, in order. */
  takeDue(now: number): T[] {
    const out: T[] = [];
    while (this.head < this.items.length && this.items[this.head]!.due <= now) {
      const { due, item, bytes } = this.items[this.head]!;
      out.push(item);
      this.queuedBytes -= bytes;
      this.lateness.totalMs += now - due;
      this.lateness.maxMs = Math.max(this.lateness.maxMs, now - due);
      this.head++;
    }
    // Compact now and then so the array does not grow without bound.
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}
