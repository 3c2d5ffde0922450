// Reading and writing an accepted socket through its libuv handle, without the
// stream layer.
//
// A net.Socket is a Duplex stream over a libuv stream handle. Every read passes
// through Readable (push, 'data', a nextTick to read more) and every write through
// Writable (its state machine, a nextTick for the callback). For small keep-alive
// requests that machinery costs about as much CPU as this package's parser and
// response path together (bench/README in this package has the numbers). So,
// where the running Node has the same internals as Node 20, a connection talks to
// the handle directly, with the calls net.Socket makes underneath:
//
// - reads go into one shared buffer (`useUserBuffer`, the mechanism behind net's
//   documented `onread` option, here applied to accepted sockets) and reach the
//   connection synchronously; end of input and read errors still go through
//   net.Socket, so 'end', 'error' and 'close' behave as usual;
// - writes are `writeLatin1String` / `writev` with a WriteWrap, like
//   net.Socket's own; libuv keeps them in order, and a later `socket.end()`
//   shuts down only after they are flushed;
// - pause and resume are readStop / readStart;
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
// we would trigger) and the connection uses the stream API instead.
import type { Socket } from 'node:net';
import util from 'node:util';

/** What a connection gets from its socket in handle mode. */
export interface HandleIoOwner {
  /** `length` bytes read into `buffer`, which the next read overwrites: copy what must outlive the call. */
  onData(buffer: Buffer, length: number): void;
  /** The write queue emptied after {@link HandleIo.awaitDrain}. */
  onDrain(): void;
}

interface WriteReq {
  oncomplete: (this: WriteReq, status: number) => void;
  io: HandleIo;
  keep: unknown; // buffers that must live until an asynchronous write completes
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
}

/** The libuv stream handle behind a net.Socket (Node's LibuvStreamWrap). */
interface RawHandle {
  onread: (this: RawHandle, arrayBuffer?: ArrayBuffer) => unknown;
  reading: boolean;
  readonly writeQueueSize: number;
  readStart(): number;
  readStop(): number;
  useUserBuffer(buffer: Uint8Array): void;
  writeLatin1String(req: WriteReq, data: string): number;
  writev(req: WriteReq, chunks: (string | Buffer)[], allBuffers: boolean): number;
  [kIo]?: HandleIo;
}

const kIo = Symbol('connlab.handleIo');

// Node's Writable buffers up to 16 KiB before write() says "wait for drain"; same here.
const HIGH_WATER_MARK = 16 * 1024;

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
    if (typeof binding.WriteWrap !== 'function') return null;
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

/** Whether this Node offers the handle path at all (individual sockets are checked too). */
export const handleIoAvailable = binding !== null;

function usableHandle(handle: unknown): handle is RawHandle {
  if (typeof handle !== 'object' || handle === null) return false;
  const h = handle as Record<string, unknown>;
  return (
    typeof h.onread === 'function' &&
    typeof h.readStart === 'function' &&
    typeof h.readStop === 'function' &&
    typeof h.useUserBuffer === 'function' &&
    typeof h.writeLatin1String === 'function' &&
    typeof h.writev === 'function' &&
    typeof h.writeQueueSize === 'number' &&
    typeof h.reading === 'boolean'
  );
}

function errnoError(status: number, syscall: string): NodeJS.ErrnoException {
  const code = util.getSystemErrorName(status);
  return Object.assign(new Error(`${syscall} ${code}`), { errno: status, code, syscall });
}

// Shared functions, not closures: an idle connection costs no extra function objects.
function onHandleRead(this: RawHandle, arrayBuffer?: ArrayBuffer): unknown {
  const io = this[kIo]!;
  const nread = binding!.streamBaseState[binding!.kReadBytesOrError]!;
  if (nread > 0) {
    io.owner.onData(READ_BUFFER, nread);
    return undefined;
  }
  if (nread === 0) return undefined;
  return io.streamOnRead.call(this, arrayBuffer); // EOF or a read error: net.Socket's own handling
}

function onWriteDone(this: WriteReq, status: number): void {
  this.io.writeDone(status);
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
 * Direct reads and writes on an accepted socket's handle. Create it with
 * {@link HandleIo.attach}, which returns null when the socket cannot use it.
 */
export class HandleIo {
  readonly owner: HandleIoOwner;
  /** net.Socket's read callback, still used for end of input and errors. */
  readonly streamOnRead: RawHandle['onread'];
  private readonly socket: Socket;
  private readonly handle: RawHandle;
  private waitingDrain = false;
  private asyncWrites = 0; // writes libuv still holds (the rest completed inside the call)
  private held = ''; // latin1 bytes for this iteration's check phase (writeSoon)

  private constructor(socket: Socket, handle: RawHandle, owner: HandleIoOwner) {
    this.socket = socket;
    this.handle = handle;
    this.owner = owner;
    this.streamOnRead = handle.onread;
  }

  /** Switch `socket` to handle reads and writes; null (socket untouched) when it is not possible. */
  static attach(socket: Socket, owner: HandleIoOwner): HandleIo | null {
    if (!binding) return null;
    const handle = (socket as unknown as { _handle?: unknown })._handle;
    if (!usableHandle(handle)) return null;
    const io = new HandleIo(socket, handle, owner);
    handle[kIo] = io;
    handle.useUserBuffer(READ_BUFFER);
    handle.onread = onHandleRead;
    return io;
  }

  /** Bytes accepted by write() that the kernel has not taken yet (held ones and libuv's write_queue_size). */
  get queued(): number {
    if (this.socket.destroyed) return 0;
    return this.held.length + (this.asyncWrites === 0 ? 0 : this.handle.writeQueueSize);
  }

  /** Above the high-water mark: read no more until {@link HandleIoOwner.onDrain}. */
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
    if (this.socket.destroyed) return;
    const req = this.newReq();
    this.dispatched(req, this.handle.writeLatin1String(req, text), null);
  }

  /** Write strings (latin1) and Buffers in one writev. */
  writev(parts: readonly (string | Buffer)[]): void {
    const held = this.held;
    this.held = '';
    if (this.socket.destroyed) return;
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
    if (!this.handle.reading || this.socket.destroyed) return;
    this.handle.reading = false;
    const err = this.handle.readStop();
    if (err !== 0) this.socket.destroy(errnoError(err, 'read'));
  }

  resume(): void {
    if (this.handle.reading || this.socket.destroyed) return;
    this.handle.reading = true;
    const err = this.handle.readStart();
    if (err !== 0) this.socket.destroy(errnoError(err, 'read'));
  }

  /** Call owner.onDrain() once the queued writes have been flushed. */
  awaitDrain(): void {
    this.waitingDrain = true;
  }

  /** @internal a WriteWrap completed */
  writeDone(status: number): void {
    this.asyncWrites--;
    if (this.socket.destroyed) return; // cancelled by the close
    if (status < 0) {
      this.socket.destroy(errnoError(status, 'write'));
      return;
    }
    if (this.waitingDrain && this.handle.writeQueueSize === 0) {
      this.waitingDrain = false;
      this.owner.onDrain();
    }
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
      this.socket.destroy(errnoError(err, 'write'));
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
