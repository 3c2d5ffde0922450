// Expiry bookkeeping for connections: one list per timeout length.
//
// Every entry of a list gets the same timeout, so appending at the tail keeps
// the list ordered by deadline. Adding and removing cost O(1) (the entry
// carries its own links); a sweep pops only the expired entries from the
// head, O(expired). One timer per list is armed for the head's deadline, not
// one timer per connection.

/** Fields a list entry carries; {@link DeadlineList} owns them. */
export interface DeadlineEntry {
  dlPrev: DeadlineEntry | null;
  dlNext: DeadlineEntry | null;
  /** Monotonic time (performance.now() ms) when this entry expires. */
  dlDeadline: number;
  dlList: DeadlineOwner | null;
}

/** The list an entry is in (only its name and remove() are needed from outside). */
export interface DeadlineOwner {
  readonly name: string;
  remove(entry: DeadlineEntry): void;
}

/** A monotonic clock in milliseconds (performance.now()). */
export type Clock = () => number;

/**
 * An intrusive list of entries ordered by deadline, all with the same timeout.
 *
 * @example
 * ```ts
 * const idle = new DeadlineList<Conn>('idle', 5000, (conn) => conn.close('idle-timeout'));
 * idle.add(conn); // after a response
 * idle.remove(conn); // when the next request starts
 * ```
 */
export class DeadlineList<T extends DeadlineEntry> implements DeadlineOwner {
  readonly name: string;
  private readonly timeoutMs: number;
  private head: T | null = null;
  private tail: T | null = null;
  private count = 0;
  private timer: NodeJS.Timeout | null = null;
  private armedFor = 0; // the deadline the timer was armed for
  private readonly onExpire: (entry: T) => void;
  private readonly clock: Clock;
  private readonly onSweep: ((expired: number) => void) | undefined;

  /**
   * @param onExpire called for each expired entry (already removed from the list).
   * @param onSweep called after a timer-driven sweep that expired at least one entry.
   */
  constructor(
    name: string,
    timeoutMs: number,
    onExpire: (entry: T) => void,
    clock: Clock = () => performance.now(),
    onSweep?: (expired: number) => void,
  ) {
    this.name = name;
    this.timeoutMs = timeoutMs;
    this.onExpire = onExpire;
    this.clock = clock;
    this.onSweep = onSweep;
  }

  get size(): number {
    return this.count;
  }

  get timeout(): number {
    return this.timeoutMs;
  }

  /** Append with deadline now + timeout. An entry already in a list is moved. O(1). */
  add(entry: T, now = this.clock()): void {
    if (entry.dlList) entry.dlList.remove(entry);
    entry.dlDeadline = now + this.timeoutMs;
    entry.dlList = this;
    entry.dlPrev = this.tail;
    entry.dlNext = null;
    if (this.tail) this.tail.dlNext = entry;
    else this.head = entry;
    this.tail = entry;
    this.count++;
    if (!this.timer) this.arm(now);
  }

  /**
   * Insert with its own deadline (a list whose entries do not all share the
   * timeout: the body list, capped by the whole-request deadline). Walks back
   * from the tail, so a deadline at or near the latest costs O(1).
   */
  addAt(entry: T, deadline: number, now = this.clock()): void {
    if (entry.dlList) entry.dlList.remove(entry);
    entry.dlDeadline = deadline;
    entry.dlList = this;
    let after = this.tail;
    while (after && after.dlDeadline > deadline) after = after.dlPrev as T | null;
    const next = (after ? after.dlNext : this.head) as T | null;
    entry.dlPrev = after;
    entry.dlNext = next;
    if (next) next.dlPrev = entry;
    else this.tail = entry;
    if (after) after.dlNext = entry;
    else this.head = entry;
    this.count++;
    if (!this.timer) {
      this.arm(now);
    } else if (this.head === entry && deadline < this.armedFor) {
      clearTimeout(this.timer);
      this.arm(now);
    }
  }

  /** Take an entry out (no-op if it is not in this list). O(1). */
  remove(entry: T): void {
    if (entry.dlList !== this) return;
    const prev = entry.dlPrev as T | null;
    const next = entry.dlNext as T | null;
    if (prev) prev.dlNext = next;
    else this.head = next;
    if (next) next.dlPrev = prev;
    else this.tail = prev;
    entry.dlPrev = entry.dlNext = null;
    entry.dlList = null;
    this.count--;
    // The timer is left armed: when it fires for a removed head it finds
    // nothing expired and re-arms for the new head, which costs less than
    // re-arming on every removal.
  }

  /** Expire every entry whose deadline has passed; returns how many. O(expired). */
  sweep(now = this.clock()): number {
    let n = 0;
    while (this.head && this.head.dlDeadline <= now) {
      const entry = this.head;
      this.remove(entry);
      n++;
      this.onExpire(entry);
    }
    return n;
  }

  /** Entries from the earliest deadline to the latest (for tables and tests). */
  *entries(): IterableIterator<T> {
    for (let e = this.head; e; e = e.dlNext as T | null) yield e;
  }

  /** Stop the timer and forget every entry. */
  clear(): void {
    while (this.head) this.remove(this.head);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(now: number): void {
    if (!this.head) return;
    // +1 ms: setTimeout may fire a fraction early relative to performance.now().
    this.armedFor = this.head.dlDeadline;
    const delay = Math.max(0, this.head.dlDeadline - now) + 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      const t = this.clock();
      const n = this.sweep(t);
      this.arm(t);
      if (n > 0) this.onSweep?.(n);
    }, delay);
    this.timer.unref();
  }
}
