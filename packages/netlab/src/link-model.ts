// What happens to one packet on an emulated link: when it leaves, or whether
// it is lost. Pure arithmetic, so the pump and the tests share it.

/** The shape of one direction of an emulated link. */
export interface LinkShape {
  /** One-way propagation delay added to every packet. */
  delayMs: number;
  /** Uniform random variation of the delay, ± this much. Packets stay in order. */
  jitterMs?: number;
  /** Bottleneck rate in Mbit/s; 0 or absent = as fast as the pump goes. */
  rateMbit?: number;
  /** Probability (0..1) that a packet is dropped at random. */
  loss?: number;
  /** Packets the link holds at most (queued + in flight) before tail drop; netem's `limit`. */
  limit?: number;
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
}

/**
 * A FIFO of packets, each released at its departure time. Departure =
 * transmission end on a `rateMbit` link (if any) + delay ± jitter, never
 * before the packet ahead of it (jitter does not reorder, unlike netem's).
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
  /** Packets accepted, dropped by `loss`, dropped by `limit`. */
  readonly counts = { passed: 0, lost: 0, overflow: 0 };

  constructor(public shape: LinkShape, private readonly random: () => number = Math.random) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** Queue `item` (of `bytes` on the wire) arriving at `now`; its departure time, or undefined if it was dropped. */
  push(now: number, item: T, bytes = 0): number | undefined {
    const { delayMs, jitterMs = 0, rateMbit = 0, loss = 0, limit = DEFAULT_LINK_LIMIT } = this.shape;
    if (this.length >= limit) {
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
    const due = Math.max(sent + delayMs + jitter, this.lastDue);
    this.lastDue = due;
    this.items.push({ due, item });
    this.counts.passed++;
    return due;
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
      const { due, item } = this.items[this.head]!;
      out.push(item);
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
