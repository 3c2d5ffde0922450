// A raw TCP client that records every byte on the wire with its time, so a
// lesson can print the exact conversation (HTTP transcripts, FIN timings).
import net from 'node:net';
import { LabError } from './errors.js';
import { sleep } from './sleep.js';

/** One thing that happened on a {@link Wire}, `at` ms after connect() was called. */
export interface WireEvent {
  at: number;
  kind: 'connect' | 'send' | 'recv' | 'end' | 'close' | 'error';
  /** Bytes sent or received ('send', 'recv'). */
  bytes?: Buffer;
  /** Error code ('error'), e.g. ECONNRESET or EPIPE. */
  code?: string;
}

/** Options of {@link Wire.connect}. */
export interface WireOptions {
  host?: string;
  /**
   * Keep our side writable after the peer's FIN (default true), so a lesson
   * can show what happens to a request written into a closing connection.
   * With false our FIN follows the peer's at once, as an ordinary client's does.
   */
  allowHalfOpen?: boolean;
  /** Give up connecting after this long (default 5000 ms). */
  connectTimeoutMs?: number;
}

/**
 * The codes of {@link WireError}: the connection could not be opened
 * (WIRE_CONNECT, WIRE_CONNECT_TIMEOUT), or what {@link Wire.until} waited for
 * did not come before the socket closed (WIRE_CLOSED) or in time (WIRE_TIMEOUT).
 */
export type WireErrorCode = 'WIRE_CONNECT' | 'WIRE_CONNECT_TIMEOUT' | 'WIRE_CLOSED' | 'WIRE_TIMEOUT';

/** Thrown when the connection cannot be opened in time, or a wait of {@link Wire.until} fails. */
export class WireError extends LabError {
  readonly code: WireErrorCode;
  constructor(code: WireErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WireError';
    this.code = code;
  }
}

/** The first 300 bytes as a JSON string and the total length: error messages stay one readable line. */
function preview(bytes: Buffer): string {
  const head = JSON.stringify(bytes.subarray(0, 300).toString('latin1'));
  return bytes.length > 300 ? `${head} … (${bytes.length} bytes)` : head;
}

/** Strings are latin1: one byte per character, so a test writes exactly the bytes it spells. */
function bytesOf(data: string | Buffer): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : String(error);
}

/**
 * A recorded raw TCP connection. Every chunk sent and received, the peer's
 * FIN ('end'), the close and any error are kept in `events` with times
 * relative to the moment `connect()` was called.
 *
 * @example
 * ```ts
 * const wire = await Wire.connect(port);
 * wire.send('GET / HTTP/1.0\r\n\r\n');
 * const endedAt = await wire.waitEnd(1000); // ms after connect, or null
 * console.log(wire.transcript().join('\n'));
 * wire.destroy();
 * ```
 */
export class Wire {
  readonly socket: net.Socket;
  /** performance.now() when connect() was called; every `at` is relative to it. */
  readonly t0: number;
  readonly events: WireEvent[] = [];
  /** When the connection was established (ms after t0). */
  connectedAt = 0;
  /** When the peer's FIN arrived (ms after t0), or null. */
  endedAt: number | null = null;
  /** When the socket closed (ms after t0), or null. */
  closedAt: number | null = null;
  /**
   * The first socket error's code, if any: ECONNRESET when a reset arrives on
   * its own. A reset that arrives in the same poll as data reads as a plain
   * end (libuv src/unix/stream.c, uv__stream_io: a hang-up after a partial
   * read is taken as EOF), so no error does not prove a FIN: {@link probe} tells.
   */
  error: string | undefined;
  private chunks: Buffer[] = [];
  private size = 0;
  private waiters = new Set<() => void>();

  private constructor(socket: net.Socket, t0: number) {
    this.socket = socket;
    this.t0 = t0;
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.size += chunk.length;
      this.events.push({ at: this.now(), kind: 'recv', bytes: chunk });
      this.wake();
    });
    socket.on('end', () => {
      this.endedAt = this.now();
      this.events.push({ at: this.endedAt, kind: 'end' });
      this.wake();
    });
    socket.on('error', (error) => {
      this.error ??= errorCode(error);
      this.events.push({ at: this.now(), kind: 'error', code: errorCode(error) });
      this.wake();
    });
    socket.on('close', () => {
      this.closedAt = this.now();
      this.events.push({ at: this.closedAt, kind: 'close' });
      this.wake();
    });
  }

  /** Open a connection to host:port (default 127.0.0.1) and start recording. */
  static connect(port: number, options: WireOptions = {}): Promise<Wire> {
    const host = options.host ?? '127.0.0.1';
    const t0 = performance.now();
    const socket = net.connect({ port, host, allowHalfOpen: options.allowHalfOpen ?? true });
    const wire = new Wire(socket, t0);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new WireError('WIRE_CONNECT_TIMEOUT', `connect to ${host}:${port} timed out after ${options.connectTimeoutMs ?? 5000} ms`));
      }, options.connectTimeoutMs ?? 5000);
      const onError = (error: Error): void => {
        clearTimeout(timer);
        reject(new WireError('WIRE_CONNECT', `cannot connect to ${host}:${port}: ${error.message}`, { cause: error }));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        wire.connectedAt = wire.now();
        wire.events.push({ at: wire.connectedAt, kind: 'connect' });
        resolve(wire);
      });
    });
  }

  /** ms since t0. */
  now(): number {
    return performance.now() - this.t0;
  }

  /** Every byte received so far. */
  received(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** Every byte received so far as text, one character per byte (latin1). */
  text(): string {
    return this.received().toString('latin1');
  }

  /** Bytes received so far. */
  get receivedBytes(): number {
    return this.size;
  }

  /**
   * Write bytes (strings are latin1, one byte per character) and record them.
   * Resolves with the error code when the kernel refused them (EPIPE,
   * ECONNRESET), or undefined when they were accepted; never rejects.
   */
  send(data: string | Buffer): Promise<string | undefined> {
    const bytes = bytesOf(data);
    this.events.push({ at: this.now(), kind: 'send', bytes });
    if (this.socket.destroyed || !this.socket.writable) return Promise.resolve(this.socket.destroyed ? 'destroyed' : 'not writable');
    return new Promise((resolve) => {
      this.socket.write(bytes, (error) => resolve(error ? errorCode(error) : undefined));
    });
  }

  /**
   * Wait until `done(received)` is true (checked at every chunk), the peer
   * closes, or `timeoutMs` passes. Resolves with whether `done` became true.
   */
  async waitFor(done: (received: Buffer) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (done(this.received())) return true;
      if (this.endedAt !== null || this.closedAt !== null) return false;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await this.next(left);
    }
  }

  /**
   * Wait until `check(this)` returns a value other than undefined or false
   * (checked now and at every chunk, FIN, error and close) and resolve with
   * it. For a test that needs an outcome, where {@link waitFor} is for a
   * lesson that measures whether it came: this rejects with a WireError
   * naming `what` and showing the bytes received so far, WIRE_CLOSED as soon
   * as the socket closed without it, WIRE_TIMEOUT after `timeoutMs`.
   *
   * @example
   * ```ts
   * const head = await wire.until('the response head', (w) => {
   *   const end = w.received().indexOf('\r\n\r\n');
   *   return end >= 0 && w.received().subarray(0, end);
   * });
   * ```
   */
  async until<T>(what: string, check: (wire: Wire) => T | undefined | false, timeoutMs = 5000): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const value = check(this);
      if (value !== undefined && value !== false) return value;
      if (this.closedAt !== null) {
        const why = this.error === undefined ? '' : ` (${this.error})`;
        throw new WireError('WIRE_CLOSED', `the connection closed${why} before ${what}; received ${preview(this.received())}`);
      }
      const left = deadline - performance.now();
      if (left <= 0)
        throw new WireError('WIRE_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}; received ${preview(this.received())}`);
      await this.next(left);
    }
  }

  /** The peer's FIN time (ms after t0); rejects (see {@link until}) when the socket closes without one or `timeoutMs` passes. */
  ended(timeoutMs = 5000): Promise<number> {
    return this.until("the peer's FIN", (w) => w.endedAt ?? undefined, timeoutMs);
  }

  /** The close time (ms after t0), by FIN or by reset (then `error` is e.g. ECONNRESET); rejects after `timeoutMs`. */
  closed(timeoutMs = 5000): Promise<number> {
    return this.until('the close', (w) => w.closedAt ?? undefined, timeoutMs);
  }

  /** Wait for the peer's FIN; resolves with its time (ms after t0), or null after `timeoutMs`. */
  async waitEnd(timeoutMs: number): Promise<number | null> {
    const deadline = performance.now() + timeoutMs;
    while (this.endedAt === null && this.closedAt === null) {
      const left = deadline - performance.now();
      if (left <= 0) return null;
      await this.next(left);
    }
    return this.endedAt;
  }

  /** Wait for the socket to close; resolves with its time, or null after `timeoutMs`. */
  async waitClose(timeoutMs: number): Promise<number | null> {
    const deadline = performance.now() + timeoutMs;
    while (this.closedAt === null) {
      const left = deadline - performance.now();
      if (left <= 0) return null;
      await this.next(left);
    }
    return this.closedAt;
  }

  /**
   * Write `pieces` one after another with `pauseMs` between them (a slow
   * client: a trickled body, a head split across reads). Stops early once the
   * peer's FIN arrives or the socket can no longer be written; resolves with
   * how many pieces were written. Does not wait for the kernel to take each
   * piece, so a peer that stops reading does not stop the pace.
   */
  async sendPaced(pieces: Iterable<string | Buffer>, pauseMs: number): Promise<number> {
    let sent = 0;
    for (const piece of pieces) {
      if (sent > 0) await sleep(pauseMs);
      if (this.endedAt !== null || this.socket.destroyed || !this.socket.writable) break;
      void this.send(piece);
      sent++;
    }
    return sent;
  }

  /**
   * After the peer's FIN, tell a peer that still reads (half-closed, as a
   * graceful close leaves it) from one that reset or closed fully: write
   * `count` small probes `pauseMs` apart and resolve with the first refusal's
   * code (EPIPE, ECONNRESET), or undefined when every probe was accepted. A
   * reset right behind data reads as a plain end, and a fully closed peer
   * answers the first probe with RST, so the second is refused. Needs
   * `allowHalfOpen: true` (else our side is already closed: 'not writable').
   */
  async probe(count = 2, pauseMs = 50): Promise<string | undefined> {
    for (let i = 1; i <= count; i++) {
      await sleep(pauseMs);
      const refused = await this.send(`probe ${i}\n`);
      if (refused !== undefined) return refused;
    }
    return undefined;
  }

  /** Send our FIN (half-close), after `data` if given: the last bytes and the FIN leave together. */
  end(data?: string | Buffer): void {
    if (data === undefined) {
      this.socket.end();
      return;
    }
    const bytes = bytesOf(data);
    this.events.push({ at: this.now(), kind: 'send', bytes });
    this.socket.end(bytes);
  }

  /** Close both directions now. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Close with a reset (RST) instead of a FIN: the peer's next read or write fails with ECONNRESET. */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  /**
   * The conversation as printable lines: time, direction (`>` sent, `<`
   * received), each line of bytes with CR and LF shown as `\r` and `\n`;
   * the peer's FIN, errors and the close on lines of their own. `from`/`to`
   * select a range of `events` (e.g. one request and its response).
   */
  transcript({
    from = 0,
    to = this.events.length,
    maxLineLength = 100,
  }: { from?: number; to?: number; maxLineLength?: number } = {}): string[] {
    const out: string[] = [];
    for (const e of this.events.slice(from, to)) {
      const time = `${e.at.toFixed(1).padStart(7)} ms`;
      if (e.kind === 'send' || e.kind === 'recv') {
        const lines = escapeLines(e.bytes ?? Buffer.alloc(0), maxLineLength);
        lines.forEach((l, i) => out.push(`${i === 0 ? time : ' '.repeat(time.length)}  ${e.kind === 'send' ? '>' : '<'} ${l}`));
      } else if (e.kind === 'end') {
        out.push(`${time}  ── FIN from the peer (end of its stream)`);
      } else if (e.kind === 'error') {
        out.push(`${time}  ── error ${e.code ?? ''}`);
      } else if (e.kind === 'close') {
        out.push(`${time}  ── socket closed`);
      }
    }
    return out;
  }

  private wake(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }

  private next(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiters = this.waiters;
      function done(): void {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }
}

/** Bytes as lines ending in a visible `\r\n` / `\n`; other control bytes as \xNN. */
export function escapeLines(bytes: Buffer, maxLineLength = 100): string[] {
  const text = bytes.toString('latin1');
  const out: string[] = [];
  let line = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d) line += '\\r';
    else if (c === 0x0a) {
      out.push(line + '\\n');
      line = '';
    } else if (c < 0x20 || c > 0x7e) line += `\\x${c.toString(16).padStart(2, '0')}`;
    else line += text.charAt(i);
  }
  if (line) out.push(line);
  return out.map((l) => (l.length > maxLineLength ? `${l.slice(0, maxLineLength - 1)}…` : l));
}
