// How a connection reads and writes its socket: the small set of operations
// Connection needs, with two implementations. HandleIo (handle-io.ts) talks to
// the libuv handle of an accepted connection directly; StreamIo (here) uses a
// net.Socket and its stream API, the fallback wherever the handle path is not
// available.
import type { Socket } from 'node:net';

/** What a connection hears from its socket. */
export interface SocketIoOwner {
  /** `length` bytes read into `buffer`; when {@link SocketIo.sharedReadBuffer}, the next read overwrites it. */
  onData(buffer: Buffer, length: number): void;
  /** The write queue emptied after {@link SocketIo.awaitDrain}. */
  onDrain(): void;
  /** The peer's FIN: no more input. */
  onEnd(): void;
  /** A read or write failed (ECONNRESET, EPIPE, ...); the socket is destroyed next. */
  onSocketError(): void;
  /** Our FIN has left: shutdown(SHUT_WR) ran after every queued byte. */
  onFinish(): void;
  /** The socket is about to be closed: the last moment its peer address can be read. */
  onClosing(): void;
  /** The socket is closed. */
  onClose(): void;
}

/** The operations a connection uses on its socket. */
export interface SocketIo {
  readonly kind: 'handle' | 'stream';
  /** Whether `onData`'s buffer is reused by the next read (copy what must outlive the call). */
  readonly sharedReadBuffer: boolean;
  /** Above the write high-water mark: read no more until onDrain (after awaitDrain). */
  readonly needDrain: boolean;
  /** The peer's FIN has been read. */
  readonly inputEnded: boolean;
  /** Start delivering events to `owner`. */
  start(owner: SocketIoOwner): void;
  /** Write latin1 text now (after anything held). */
  write(text: string): void;
  /** Write latin1 text, possibly held until this loop iteration's check phase (handle I/O only). */
  writeSoon(text: string): void;
  /** Write strings (latin1) and Buffers as one write. */
  writev(parts: readonly (string | Buffer)[]): void;
  /** Write what writeSoon holds now. */
  flushHeld(): void;
  pause(): void;
  resume(): void;
  /** Call owner.onDrain() once the queued writes have been flushed. */
  awaitDrain(): void;
  /** Our FIN after every queued byte; owner.onFinish() once it has left. */
  end(): void;
  /** FIN (if not sent yet), then close once it has left. */
  destroySoon(): void;
  /** Close now; owner.onClose() follows. */
  destroy(): void;
  /** The peer's address ('' and 0 once closed). */
  remote(): { address: string; port: number };
}

const kOwner = Symbol('connlab.socketOwner');
type OwnedSocket = Socket & { [kOwner]: SocketIoOwner };
// Shared listener functions, not closures per connection.
function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[kOwner].onData(chunk, chunk.length);
}
function onSocketEnd(this: OwnedSocket): void {
  this[kOwner].onEnd();
}
function onSocketError(this: OwnedSocket): void {
  this[kOwner].onSocketError();
}
function onSocketDrain(this: OwnedSocket): void {
  this[kOwner].onDrain();
}
function onSocketFinish(this: OwnedSocket): void {
  this[kOwner].onFinish();
}
function onSocketClose(this: OwnedSocket): void {
  this[kOwner].onClose();
}

/** A connection on a net.Socket, through the stream API ('data', write(), pause()). */
export class StreamIo implements SocketIo {
  readonly kind = 'stream';
  readonly sharedReadBuffer = false;
  readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  start(owner: SocketIoOwner): void {
    const socket = this.socket as OwnedSocket;
    socket[kOwner] = owner;
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
  }

  get needDrain(): boolean {
    return this.socket.writableNeedDrain;
  }

  get inputEnded(): boolean {
    return this.socket.readableEnded;
  }

  write(text: string): void {
    this.socket.write(text, 'latin1');
  }

  writeSoon(text: string): void {
    this.socket.write(text, 'latin1');
  }

  writev(parts: readonly (string | Buffer)[]): void {
    this.socket.cork();
    for (const p of parts) this.socket.write(p, 'latin1');
    this.socket.uncork();
  }

  flushHeld(): void {
    /* nothing is held */
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  awaitDrain(): void {
    this.socket.once('drain', onSocketDrain);
  }

  end(): void {
    this.socket.once('finish', onSocketFinish); // net.Socket's 'finish' comes once shutdown() has run
    this.socket.end();
  }

  destroySoon(): void {
    this.socket.destroySoon();
  }

  destroy(): void {
    this.socket.destroy();
  }

  remote(): { address: string; port: number } {
    return { address: this.socket.remoteAddress ?? '', port: this.socket.remotePort ?? 0 };
  }
}
