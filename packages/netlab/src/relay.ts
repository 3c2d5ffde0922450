// A TCP relay that injects faults, in the spirit of toxiproxy: no root, no
// kernel help, works on loopback. It terminates the client's connection and
// opens its own to the server, so it is NOT transparent to TCP: handshakes,
// windows and retransmissions on each side are loopback's. It delays,
// paces, slices, resets and swallows the byte stream between the two.
import { EventEmitter } from 'node:events';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { NetlabError } from './errors.js';
import { validateFault } from './faults.js';
import type { Direction, Fault, FaultSpec } from './faults.js';

export interface RelayOptions {
  /** Where the relay forwards to. */
  target: { host: string; port: number };
  /** Listen address (default 127.0.0.1) and port (default 0: any free one). */
  host?: string;
  port?: number;
  faults?: readonly FaultSpec[];
}

/** A relayed connection as `connections()` reports it. */
export interface RelayConnectionInfo {
  id: number;
  client: string;
  /** Bytes passed on, per direction. */
  upstreamBytes: number;
  downstreamBytes: number;
  ageMs: number;
  /** A forget-idle fault swallowed it after it sat idle. */
  forgotten: boolean;
}

// Stop reading a side while this much is held for it; resume below the low mark.
const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 << 10;
// Release pieces due within this much now rather than arm a timer for them (timers are ms-grained).
const EARLY_MS = 0.5;

interface Piece {
  due: number;
  data: Buffer;
}

function now(): number {
  return performance.now();
}

/** One direction of one relayed connection: a timed queue from `src` to `dst`. */
class Pipe {
  private readonly queue: Piece[] = [];
  private queuedBytes = 0;
  private linkFree = 0;
  private lastDue = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingDrain = false;
  private srcEnded = false;
  private closing = false;
  bytes = 0;

  constructor(
    private readonly relay: FaultRelay,
    private readonly conn: RelayConnection,
    readonly direction: Direction,
    private readonly src: Socket,
    private readonly dst: Socket,
  ) {
    src.on('data', (chunk: Buffer) => this.onData(chunk));
    src.on('end', () => {
      this.srcEnded = true;
      this.pump();
    });
  }

  private onData(chunk: Buffer): void {
    const faults = this.relay.faultsFor(this.direction);
    if (this.conn.forgets(faults.forgetIdle)) return;
    if (faults.blackhole) return;
    const slicer = faults.slicer;
    const pieces: Buffer[] = [];
    if (slicer) for (let i = 0; i < chunk.length; i += slicer.size) pieces.push(chunk.subarray(i, i + slicer.size));
    else pieces.push(chunk);
    const t = now();
    for (const data of pieces) {
      let sent = t;
      if (faults.bandwidth) {
        this.linkFree = Math.max(this.linkFree, t) + (data.length / faults.bandwidth.bytesPerSecond) * 1000;
        sent = this.linkFree;
      }
      if (slicer?.delayMs) {
        sent = Math.max(sent, this.lastDue + slicer.delayMs);
      }
      const latency = faults.latency
        ? faults.latency.ms + (faults.latency.jitterMs ? (Math.random() * 2 - 1) * faults.latency.jitterMs : 0)
        : 0;
      const due = Math.max(sent + latency, this.lastDue);
      this.lastDue = due;
      this.queue.push({ due, data });
      this.queuedBytes += data.length;
    }
    if (this.queuedBytes > HIGH_WATER) this.src.pause();
    this.pump();
  }

  /** Write every piece that is due, then arm a timer for the next one. */
  pump(): void {
    if (this.timer || this.waitingDrain || this.closing) return;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const wait = head.due - now();
      if (wait > EARLY_MS) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, wait);
        return;
      }
      this.queue.shift();
      this.queuedBytes -= head.data.length;
      let data = head.data;
      const reset = this.relay.faultsFor(this.direction).reset;
      if (reset && this.bytes + data.length >= reset.afterBytes) {
        data = data.subarray(0, reset.afterBytes - this.bytes);
        if (data.length) this.dst.write(data);
        this.bytes += data.length;
        // From here on nothing more passes in this direction; the RST follows shortly.
        this.closing = true;
        this.timer = setTimeout(() => this.conn.reset(`reset fault after ${reset.afterBytes} ${this.direction} bytes`), reset.holdMs ?? 20);
        return;
      }
      this.bytes += data.length;
      if (this.dst.destroyed) return;
      const more = this.dst.write(data);
      if (this.queuedBytes < LOW_WATER && this.src.isPaused()) this.src.resume();
      if (!more) {
        this.waitingDrain = true;
        this.dst.once('drain', () => {
          this.waitingDrain = false;
          this.pump();
        });
        return;
      }
    }
    if (this.srcEnded) this.finish();
  }

  private finish(): void {
    this.closing = true;
    const slowClose = this.relay.faultsFor(this.direction).slowClose;
    const end = (): void => {
      if (!this.dst.destroyed) this.dst.end();
    };
    if (slowClose) this.timer = setTimeout(end, slowClose.ms);
    else end();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.closing = true;
  }
}

class RelayConnection {
  readonly startedAt = now();
  private lastBytesAt = now();
  forgotten = false;
  private pipes: Pipe[] = [];
  private upstream: Socket | undefined;
  private done = false;

  constructor(
    readonly id: number,
    private readonly relay: FaultRelay,
    readonly client: Socket,
  ) {}

  start(target: { host: string; port: number }, connectDelayMs: number): void {
    this.client.pause();
    this.client.on('error', (error) => this.abort(error));
    this.client.on('close', (hadError) => this.onSideClose(hadError));
    const go = (): void => {
      if (this.done) return;
      const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true });
      this.upstream = upstream;
      upstream.setNoDelay(true);
      upstream.on('error', (error) => this.abort(error));
      upstream.on('close', (hadError) => this.onSideClose(hadError));
      upstream.once('connect', () => {
        if (this.done) return;
        this.pipes = [
          new Pipe(this.relay, this, 'upstream', this.client, upstream),
          new Pipe(this.relay, this, 'downstream', upstream, this.client),
        ];
        this.client.resume();
      });
    };
    if (connectDelayMs > 0) setTimeout(go, connectDelayMs);
    else go();
  }

  /** Called for every chunk: true when a forget-idle fault has dropped (or now drops) this connection. */
  forgets(fault: ActiveFaults['forgetIdle']): boolean {
    const t = now();
    if (fault && !this.forgotten && t - this.lastBytesAt > fault.ms) this.forgotten = true;
    this.lastBytesAt = t;
    return this.forgotten;
  }

  info(): RelayConnectionInfo {
    return {
      id: this.id,
      client: `${this.client.remoteAddress ?? '?'}:${this.client.remotePort ?? 0}`,
      upstreamBytes: this.pipes[0]?.bytes ?? 0,
      downstreamBytes: this.pipes[1]?.bytes ?? 0,
      ageMs: now() - this.startedAt,
      forgotten: this.forgotten,
    };
  }

  /** Abort both sides with RST (SO_LINGER 0): the peers see ECONNRESET. */
  reset(reason: string): void {
    if (this.done) return;
    this.relay.emit('reset', this.id, reason);
    for (const p of this.pipes) p.stop();
    for (const s of [this.client, this.upstream]) if (s && !s.destroyed) s.resetAndDestroy();
    this.cleanup();
  }

  /** One side failed: pass a reset on as a reset, anything else as a plain close. */
  private abort(error: Error): void {
    if (this.done) return;
    if ((error as NodeJS.ErrnoException).code === 'ECONNRESET') {
      this.reset(`peer reset (${error.message})`);
      return;
    }
    this.destroy();
  }

  destroy(): void {
    for (const p of this.pipes) p.stop();
    this.client.destroy();
    this.upstream?.destroy();
    this.cleanup();
  }

  /** A side that closed on an error takes the other down; a clean close lets the pipes pass FINs on. */
  private onSideClose(hadError: boolean): void {
    const sides = [this.client, this.upstream];
    if (sides.every((s) => !s || s.destroyed)) this.cleanup();
    else if (hadError) this.destroy();
  }

  private cleanup(): void {
    if (this.done) return;
    this.done = true;
    this.relay.forget(this);
  }
}

/** The faults in force for one direction, by type (the last one added of a type wins). */
export interface ActiveFaults {
  latency?: Extract<FaultSpec, { type: 'latency' }>;
  bandwidth?: Extract<FaultSpec, { type: 'bandwidth' }>;
  slicer?: Extract<FaultSpec, { type: 'slicer' }>;
  reset?: Extract<FaultSpec, { type: 'reset' }>;
  blackhole?: Extract<FaultSpec, { type: 'blackhole' }>;
  slowClose?: Extract<FaultSpec, { type: 'slow-close' }>;
  connectDelay?: Extract<FaultSpec, { type: 'connect-delay' }>;
  forgetIdle?: Extract<FaultSpec, { type: 'forget-idle' }>;
}

/**
 * A fault-injecting TCP relay on 127.0.0.1. Faults apply to live
 * connections as soon as they are added or removed.
 *
 * @example
 * const relay = await FaultRelay.start({ target: { host: '127.0.0.1', port } });
 * relay.add({ type: 'latency', direction: 'downstream', ms: 50 });
 * // connect clients to relay.port …
 * await relay.close();
 */
export class FaultRelay extends EventEmitter {
  private readonly list = new Map<string, Fault>();
  private readonly conns = new Set<RelayConnection>();
  private nextFault = 1;
  private nextConn = 1;
  private cache = new Map<Direction, ActiveFaults>();

  private constructor(
    private readonly server: Server,
    readonly target: { host: string; port: number },
  ) {
    super();
  }

  /** Start listening; resolves once the port is known. */
  static async start(options: RelayOptions): Promise<FaultRelay> {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const relay = new FaultRelay(server, options.target);
    for (const f of options.faults ?? []) relay.add(f);
    server.on('connection', (socket) => relay.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(
          new NetlabError('NETLAB_RELAY', `relay cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 0}: ${error.message}`, {
            cause: error,
          }),
        ),
      );
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
    });
    return relay;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get host(): string {
    return (this.server.address() as AddressInfo).address;
  }

  /** Add a fault (validated); returns its id for `remove`. */
  add(spec: FaultSpec): string {
    const valid = validateFault(spec);
    const id = `${valid.type}-${this.nextFault++}`;
    this.list.set(id, { ...valid, id });
    this.cache.clear();
    return id;
  }

  /** Remove one fault; false if there was no such id. */
  remove(id: string): boolean {
    const had = this.list.delete(id);
    this.cache.clear();
    return had;
  }

  clear(): void {
    this.list.clear();
    this.cache.clear();
  }

  faults(): Fault[] {
    return [...this.list.values()];
  }

  /** The faults that apply to `direction` right now. */
  faultsFor(direction: Direction): ActiveFaults {
    let active = this.cache.get(direction);
    if (active) return active;
    active = {};
    for (const f of this.list.values()) {
      if ('direction' in f && f.direction !== direction) continue;
      switch (f.type) {
        case 'latency':
          active.latency = f;
          break;
        case 'bandwidth':
          active.bandwidth = f;
          break;
        case 'slicer':
          active.slicer = f;
          break;
        case 'reset':
          active.reset = f;
          break;
        case 'blackhole':
          active.blackhole = f;
          break;
        case 'slow-close':
          active.slowClose = f;
          break;
        case 'connect-delay':
          active.connectDelay = f;
          break;
        case 'forget-idle':
          active.forgetIdle = f;
          break;
      }
    }
    this.cache.set(direction, active);
    return active;
  }

  connections(): RelayConnectionInfo[] {
    return [...this.conns].map((c) => c.info());
  }

  /** Stop listening and destroy every relayed connection. */
  async close(): Promise<void> {
    for (const c of [...this.conns]) c.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** @internal */
  forget(conn: RelayConnection): void {
    this.conns.delete(conn);
    this.emit('connectionClosed', conn.id);
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const conn = new RelayConnection(this.nextConn++, this, socket);
    this.conns.add(conn);
    this.emit('connection', conn.id);
    conn.start(this.target, this.faultsFor('upstream').connectDelay?.ms ?? 0);
  }
}
