// Accepting, reading and writing connections through their libuv handles,
// without net.Socket.
//
// A net.Socket is a Duplex stream over a libuv stream handle. Building one per
// accepted connection (the Duplex, its two states, an EventEmitter, listeners)
// and then moving every read through Readable (push, 'data', a nextTick) and
// every write through Writable (its state machine, a nextTick for the callback)
// costs more CPU than this package's parser and response path together (the
// README's profile). So, where the running Node has the same internals as Node
// 20, the server takes the handles libuv accepts before net.Server wraps them
// (the listening handle's `onconnection`), and a connection talks to its handle
// with the calls net.Socket makes underneath:
//
// - reads go into one shared buffer (`useUserBuffer`, the mechanism behind net's
//   documented `onread` option) and reach the connection synchronously;
// - writes are `writeLatin1String` / `writev` with a WriteWrap, like
//   net.Socket's own; libuv keeps them in order, and a shutdown (our FIN) is
//   queued behind them;
// - pause and resume are readStop / readStart; the FIN is a ShutdownWrap and
//   the close `handle.close()`, as in net.Socket's _final and _destroy;
// - a finished response may be held (writeSoon) until the check phase of the
//   current loop iteration, after every read libuv delivered in the poll phase,
//   and then written, one write per connection, all together: Redis's "write
//   replies before sleeping". A client reading many connections is then woken
//   once per round instead of once per response, which on these VMs is the
//   most expensive part of a write (bench in the README). A close, or any other
//   write, first sends what is held, so bytes never pass each other and a FIN
//   never overtakes them.
//
// Anything unexpected (another runtime, a changed binding, process.binding
// refused by the permission model, --pending-deprecation asking for a warning
// we would trigger) and the server uses net.Socket and the stream API instead.
import type { Server } from 'node:net';
import util from 'node:util';
import type { SocketIo, SocketIoOwner } from './socket-io.js';

interface WriteReq {
  oncomplete: (this: WriteReq, status: number) => void;
  io: HandleIo;
  keep: unknown; // buffers that must live until an asynchronous write completes
}

interface ShutdownReq {
  oncomplete: (this: ShutdownReq, status: number) => void;
  handle: RawHandle;
  io: HandleIo;
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  ShutdownWrap: new () => ShutdownReq;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
}

/** The libuv TCP handle of a connection (Node's TCPWrap, a LibuvStreamWrap). */
interface RawHandle {
  onread: (this: RawHandle, arrayBuffer?: ArrayBuffer) => unknown;
  reading: boolean;
  readonly writeQueueSize: number;
  readStart(): number;
  readStop(): number;
  useUserBuffer(buffer: Uint8Array): void;
  writeLatin1String(req: WriteReq, data: string): number;
  writev(req: WriteReq, chunks: (string | Buffer)[], allBuffers: boolean): number;
  shutdown(req: ShutdownReq): number;
  close(callback: (this: RawHandle) => void): void;
  getpeername(out: { address?: string; port?: number }): number;
  setNoDelay(on: boolean): number;
  [kIo]?: HandleIo;
}

/** The listening handle behind a net.Server (its `onconnection` receives each accepted handle). */
interface ListenHandle {
  onconnection: (this: ListenHandle, status: number, handle?: unknown) => void;
  setNoDelay?: (on: boolean) => number;
}

const kIo = Symbol('connlab.handleIo');

// Node's Writable buffers up to 16 KiB before write() says "wait for drain"; same here.
const HIGH_WATER_MARK = 16 * 1024;
// libuv's end of input (include/uv/errno.h: UV__EOF), the same on every platform.
const UV_EOF = -4095;

function pendingDeprecationRequested(): boolean {
  return (
    process.execArgv.includes('--pending-deprecation') ||
    (process.env.NODE_OPTIONS ?? '').includes('--pending-deprecation') ||
    process.env.NODE_PENDING_DEPRECATION === '1'
  );
}

function loadBinding(): StreamWrapBinding | null {
  if (pendingDeprecationRequested()) return null; // process.binding() would print DEP0111
  try {
    const binding = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding('stream_wrap');
    if (typeof binding.WriteWrap !== 'function' || typeof binding.ShutdownWrap !== 'function') return null;
    if (!(binding.streamBaseState instanceof Int32Array)) return null;
    if (typeof binding.kReadBytesOrError !== 'number' || typeof binding.kLastWriteWasAsync !== 'number') return null;
    return binding as StreamWrapBinding;
  } catch {
    return null; // no process.binding, or refused (permission model)
  }
}

const binding = loadBinding();
// One read buffer for every connection: a read is consumed before the next one starts.
const READ_BUFFER = binding ? Buffer.allocUnsafeSlow(64 * 1024) : Buffer.alloc(0);

/** Whether this Node offers the handle path at all (each listening and accepted handle is checked too). */
export const handleIoAvailable = binding !== null;

function usableHandle(handle: unknown): handle is RawHandle {
  if (typeof handle !== 'object' || handle === null) return false;
  const h = handle as Record<string, unknown>;
  return (
    typeof h.readStart === 'function' &&
    typeof h.readStop === 'function' &&
    typeof h.useUserBuffer === 'function' &&
    typeof h.writeLatin1String === 'function' &&
    typeof h.writev === 'function' &&
    typeof h.shutdown === 'function' &&
    typeof h.close === 'function' &&
    typeof h.getpeername === 'function' &&
    typeof h.setNoDelay === 'function' &&
    typeof h.writeQueueSize === 'number'
  );
}

/**
 * Take the connections `server` accepts as raw handles: `onHandle` gets each
 * one instead of net.Server wrapping it in a net.Socket. Call it once the
 * server is listening. With `noDelay`, TCP_NODELAY is set once, on the
 * listening socket: Linux copies it into every socket accepted from it (the
 * child is cloned from the listener, net/ipv4/inet_connection_sock.c
 * inet_csk_clone_lock; checked with getsockopt on this kernel). Returns false,
 * changing nothing, when this Node's server does not look as expected; then
 * the 'connection' event delivers net.Sockets as usual.
 */
export function acceptHandles(server: Server, noDelay: boolean, onHandle: (handle: unknown) => void): boolean {
  if (!binding) return false;
  const listen = (server as unknown as { _handle?: Partial<ListenHandle> | null })._handle;
  if (!listen || typeof listen.onconnection !== 'function') return false;
  const inherits = process.platform === 'linux' && typeof listen.setNoDelay === 'function';
  if (noDelay && inherits) listen.setNoDelay!(true);
  listen.onconnection = function onconnection(status: number, handle?: unknown): void {
    // A failed accept (EMFILE, ...): net.Server would emit 'error' and go on; nothing was accepted.
    if (status !== 0 || handle === undefined) return;
    if (noDelay && !inherits && usableHandle(handle)) handle.setNoDelay(true);
    onHandle(handle);
  };
  return true;
}

// Shared functions, not closures: an idle connection costs no extra function objects.
function onHandleRead(this: RawHandle): unknown {
  const io = this[kIo]!;
  const nread = binding!.streamBaseState[binding!.kReadBytesOrError]!;
  if (nread > 0) io.owner.onData(READ_BUFFER, nread);
  else if (nread < 0) io.readFailed(nread);
  return undefined;
}

function ignoreRead(): undefined {
  return undefined;
}

function onWriteDone(this: WriteReq, status: number): void {
  this.io.writeDone(status);
}

function onShutdownDone(this: ShutdownReq): void {
  // Like net.Socket's afterShutdown: the status is not looked at (a reset socket reports its error on read or write).
  this.io.shutdownDone();
}

function onHandleClose(this: RawHandle): void {
  this[kIo]!.owner.onClose();
}

// Connections holding bytes, and whether the setImmediate that writes them is
// scheduled (check phase: after every read libuv delivered in this iteration).
const holding: HandleIo[] = [];
// A write that completes at once never binds its WriteWrap to a native
// request, so one spare serves the next write of any connection; an
// asynchronous write keeps its own until it completes.
let spareReq: WriteReq | null = null;
let flushScheduled = false;

function writeHeld(): void {
  flushScheduled = false;
  for (let i = 0; i < holding.length; i++) holding[i]!.flushHeld();
  holding.length = 0;
}

/**
 * Direct reads and writes on an accepted connection's libuv handle. Create it
 * with {@link HandleIo.adopt}, which returns null when the handle cannot be used.
 */
export class HandleIo implements SocketIo {
  readonly kind = 'handle';
  readonly sharedReadBuffer = true;
  /** Set by start(). */
  owner!: SocketIoOwner;
  /** close() has been called: no more reads, writes or events but onClose. */
  destroyed = false;
  inputEnded = false;
  private readonly handle: RawHandle;
  private waitingDrain = false;
  private asyncWrites = 0; // writes libuv still holds (the rest completed inside the call)
  private held = ''; // latin1 bytes for this iteration's check phase (writeSoon)
  private ending = false; // shutdown requested
  private finished = false; // shutdown done: our FIN is out
  private closeWhenFinished = false;

  private constructor(handle: RawHandle) {
    this.handle = handle;
  }

  /** A HandleIo for an accepted handle (from {@link acceptHandles}); null (handle untouched) when it is not usable. */
  static adopt(handle: unknown): HandleIo | null {
    if (!binding || !usableHandle(handle)) return null;
    const io = new HandleIo(handle);
    handle[kIo] = io;
    return io;
  }

  /** Close a handle that will not be served (the server is closing). */
  static reject(handle: unknown): void {
    if (usableHandle(handle)) handle.close(ignoreClose);
  }

  start(owner: SocketIoOwner): void {
    this.owner = owner;
    const handle = this.handle;
    handle.useUserBuffer(READ_BUFFER);
    handle.onread = onHandleRead;
    handle.reading = true;
    const err = handle.readStart();
    if (err !== 0) this.fail();
  }

  /** Bytes accepted by write() that the kernel has not taken yet (held ones and libuv's write_queue_size). */
  get queued(): number {
    if (this.destroyed) return 0;
    return this.held.length + (this.asyncWrites === 0 ? 0 : this.handle.writeQueueSize);
  }

  /** Above the high-water mark: read no more until {@link SocketIoOwner.onDrain}. */
  get needDrain(): boolean {
    return this.queued >= HIGH_WATER_MARK;
  }

  /**
   * Write a latin1 string in this loop iteration's check phase (one
   * setImmediate for every connection), together with the other connections'
   * held responses. Written at once instead when the kernel is not keeping up
   * with this socket or too much is held.
   */
  writeSoon(text: string): void {
    // Held bytes stay below the high-water mark: holding alone must never ask the
    // connection to wait for drain, because a write that completes at once (the
    // usual fate of held bytes) calls no onDrain.
    if (this.asyncWrites !== 0 || this.held.length + text.length >= HIGH_WATER_MARK) {
      this.write(text);
      return;
    }
    if (this.held === '') holding.push(this);
    this.held += text;
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(writeHeld);
    }
  }

  /** Write what {@link writeSoon} holds now (before a close, say). */
  flushHeld(): void {
    if (this.held !== '') this.write('');
  }

  /** Write a latin1 string (one byte per character), after anything held. */
  write(text: string): void {
    if (this.held !== '') {
      text = this.held + text;
      this.held = '';
    }
    if (this.destroyed || this.ending) return;
    const req = this.newReq();
    this.dispatched(req, this.handle.writeLatin1String(req, text), null);
  }

  /** Write strings (latin1) and Buffers in one writev. */
  writev(parts: readonly (string | Buffer)[]): void {
    const held = this.held;
    this.held = '';
    if (this.destroyed || this.ending) return;
    const first = held === '' ? 0 : 1;
    const chunks = new Array<string | Buffer>((parts.length + first) * 2);
    if (first) {
      chunks[0] = held;
      chunks[1] = 'latin1';
    }
    for (let i = 0; i < parts.length; i++) {
      chunks[2 * (i + first)] = parts[i]!;
      chunks[2 * (i + first) + 1] = 'latin1'; // the encoding slot is read for strings only
    }
    const req = this.newReq();
    this.dispatched(req, this.handle.writev(req, chunks, false), chunks);
  }

  pause(): void {
    if (!this.handle.reading || this.destroyed) return;
    this.handle.reading = false;
    const err = this.handle.readStop();
    if (err !== 0) this.fail();
  }

  resume(): void {
    // After the peer's FIN libuv has stopped reading for good: a readStart would only report EOF again.
    if (this.handle.reading || this.destroyed || this.inputEnded) return;
    this.handle.reading = true;
    const err = this.handle.readStart();
    if (err !== 0) this.fail();
  }

  /** Call owner.onDrain() once the queued writes have been flushed. */
  awaitDrain(): void {
    this.waitingDrain = true;
  }

  /** Our FIN, after every queued byte (libuv runs the shutdown once its write queue is empty). */
  end(): void {
    this.flushHeld();
    if (this.ending || this.destroyed) return;
    this.ending = true;
    const req = new binding!.ShutdownWrap();
    req.oncomplete = onShutdownDone;
    req.handle = this.handle;
    req.io = this;
    const err = this.handle.shutdown(req);
    if (err === 0) return;
    // As net.Socket's _final: ENOTCONN (the peer reset first) counts as done, anything else fails the socket.
    if (err === 1 || util.getSystemErrorName(err) === 'ENOTCONN') queueMicrotask(() => this.shutdownDone());
    else this.fail();
  }

  /** Close once our FIN has left (at once if it already has). */
  destroySoon(): void {
    if (this.finished) {
      this.destroy();
      return;
    }
    this.closeWhenFinished = true;
    this.end();
  }

  /** Close the handle now (pending writes are cancelled); owner.onClose() follows from libuv's close callback. */
  destroy(): void {
    if (this.destroyed) return;
    this.owner.onClosing();
    this.destroyed = true;
    this.held = '';
    this.handle.onread = ignoreRead;
    this.handle.close(onHandleClose);
  }

  remote(): { address: string; port: number } {
    const out: { address?: string; port?: number } = {};
    if (!this.destroyed) this.handle.getpeername(out);
    return { address: out.address ?? '', port: out.port ?? 0 };
  }

  /** @internal the read callback got end of input or an error */
  readFailed(nread: number): void {
    if (this.destroyed) return;
    if (nread === UV_EOF) {
      this.inputEnded = true;
      this.handle.reading = false; // libuv stops reading at EOF by itself (uv__stream_eof)
      this.owner.onEnd();
      return;
    }
    this.fail();
  }

  /** @internal a WriteWrap completed */
  writeDone(status: number): void {
    this.asyncWrites--;
    if (this.destroyed) return; // cancelled by the close
    if (status < 0) {
      this.fail();
      return;
    }
    if (this.waitingDrain && this.handle.writeQueueSize === 0) {
      this.waitingDrain = false;
      this.owner.onDrain();
    }
  }

  /** @internal the ShutdownWrap completed */
  shutdownDone(): void {
    if (this.destroyed || this.finished) return;
    this.finished = true;
    this.owner.onFinish();
    if (this.closeWhenFinished) this.destroy();
  }

  /** A system call failed: report it and close, as net.Socket's destroy(error) does. */
  private fail(): void {
    if (this.destroyed) return;
    this.owner.onSocketError(); // the reason is 'error' whatever the errno
    this.destroy();
  }

  private newReq(): WriteReq {
    const spare = spareReq;
    if (spare) {
      spareReq = null;
      spare.io = this;
      return spare;
    }
    const req = new binding!.WriteWrap();
    req.io = this;
    req.oncomplete = onWriteDone;
    req.keep = null;
    return req;
  }

  private dispatched(req: WriteReq, err: number, keep: unknown): void {
    if (err !== 0) {
      // As net.Socket does with a failed write: the socket is destroyed with the error.
      this.fail();
      return;
    }
    if (binding!.streamBaseState[binding!.kLastWriteWasAsync] !== 0) {
      req.keep = keep;
      this.asyncWrites++;
    } else {
      spareReq = req;
    }
  }
}

function ignoreClose(): void {
  /* a rejected connection: nothing to report */
}
