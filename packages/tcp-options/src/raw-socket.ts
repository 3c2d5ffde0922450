// A listening socket made with socket(2), setsockopt(2), bind(2) and listen(2)
// directly, for what Node's listen() will not do: Node always sets
// SO_REUSEADDR on a listener (libuv uv_tcp_bind), so "bind without it" can
// only be shown this way; and `listen({ reusePort })` exists only from Node
// 22.12. Hand the fd to Node with `server.listen({ fd })` to accept on it.
import type { Server } from 'node:net';
import koffi from 'koffi';
import { optionConstant } from './constants.js';
import type { OptionName } from './constants.js';
import { InvalidOptionValueError, TcpOptionsError, UnsupportedOptionError } from './errors.js';
import { errnoName, load, setInt } from './ffi.js';

// <sys/socket.h>: AF_INET 2 and SOCK_STREAM 1 on Linux and macOS; SOCK_CLOEXEC
// 0o2000000 is Linux's (include/uapi/asm-generic/fcntl.h O_CLOEXEC), so a
// spawned child does not inherit the socket by accident.
const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SOCKADDR_IN_SIZE = 16;

export interface RawListenOptions {
  /** IPv4 address to bind (default 127.0.0.1). */
  host?: string;
  /** Set SO_REUSEADDR before bind (default false, unlike Node). */
  reuseAddr?: boolean;
  /** Set SO_REUSEPORT before bind (default false). */
  reusePort?: boolean;
  /** listen(2) backlog (default 511, as Node). */
  backlog?: number;
}

/** bind(2) or listen(2) failed; names the address and the options that were (not) set. */
export class BindError extends TcpOptionsError {
  readonly code = 'TCP_BIND_FAILED';
  constructor(
    readonly call: 'socket' | 'bind' | 'listen',
    readonly errno: number,
    readonly errnoName: string,
    readonly host: string,
    readonly port: number,
    readonly reuseAddr: boolean,
    readonly reusePort: boolean,
  ) {
    const set = [reuseAddr ? 'with SO_REUSEADDR' : 'without SO_REUSEADDR', reusePort ? 'with SO_REUSEPORT' : ''].filter(Boolean).join(', ');
    super(`${call}(${host}:${port}) failed with ${errnoName} (errno ${errno}), ${set}`);
    this.name = 'BindError';
  }
}

/** An open listening socket owned by this process, not (yet) by Node. */
export interface RawListener {
  fd: number;
  host: string;
  /** The bound port (the kernel's pick when 0 was asked for). */
  port: number;
  /** close(2) the fd; idempotent. Not needed once Node owns it (`server.listen({ fd })`). */
  close(): void;
}

function sockaddrIn(host: string, port: number): Buffer {
  const parts = host.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new InvalidOptionValueError('host', host, 'a dotted IPv4 address');
  }
  const address = Buffer.alloc(SOCKADDR_IN_SIZE);
  address.writeUInt16LE(AF_INET, 0); // sa_family_t, host byte order (little-endian on the platforms koffi ships)
  address.writeUInt16BE(port, 2); // network byte order
  Buffer.from(parts).copy(address, 4);
  return address;
}

/**
 * Open an IPv4 TCP socket, set the reuse options asked for (and only those),
 * bind it to host:port and listen. Throws BindError with the errno name, e.g.
 * EADDRINUSE when TIME_WAIT sockets still hold the port and SO_REUSEADDR is off.
 * Linux only.
 *
 * @example
 * ```ts
 * try {
 *   rawListen(8080).close();
 * } catch (error) {
 *   if (error instanceof BindError) console.log(error.errnoName); // 'EADDRINUSE'
 * }
 * const shared = rawListen(8080, { reusePort: true });
 * net.createServer(onConnection).listen({ fd: shared.fd });
 * ```
 */
export function rawListen(port: number, options: RawListenOptions = {}): RawListener {
  if (process.platform !== 'linux') throw new UnsupportedOptionError('rawListen', process.platform);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidOptionValueError('port', port, 'an integer 0-65535');
  const host = options.host ?? '127.0.0.1';
  const reuseAddr = options.reuseAddr ?? false;
  const reusePort = options.reusePort ?? false;
  const address = sockaddrIn(host, port);
  const libc = load();
  const failure = (call: BindError['call']) => {
    const errno = koffi.errno();
    return new BindError(call, errno, errnoName(errno), host, port, reuseAddr, reusePort);
  };
  const fd = libc.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw failure('socket');
  let open = true;
  const close = () => {
    if (open) libc.close(fd);
    open = false;
  };
  try {
    const set = (option: OptionName, on: boolean) => {
      if (on) setInt(fd, option, optionConstant(option), 1, `${host}:${port}`);
    };
    set('SO_REUSEADDR', reuseAddr);
    set('SO_REUSEPORT', reusePort);
    if (libc.bind(fd, address, address.length) !== 0) throw failure('bind');
    if (libc.listen(fd, options.backlog ?? 511) !== 0) throw failure('listen');
    const bound = Buffer.alloc(SOCKADDR_IN_SIZE);
    libc.getsockname(fd, bound, [bound.length]);
    return { fd, host, port: bound.readUInt16BE(2), close };
  } catch (error) {
    close();
    throw error;
  }
}

/**
 * Set TCP_DEFER_ACCEPT on a listening Node server: the kernel keeps a
 * connection in the SYN queue, dropping its bare handshake ACK, until data
 * arrives (or `seconds` pass), so accept() only sees connections with a request.
 *
 * @example
 * ```ts
 * server.listen(0, () => setDeferAccept(server, 5));
 * ```
 */
export function setDeferAccept(server: Server, seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 0) throw new InvalidOptionValueError('TCP_DEFER_ACCEPT', seconds, 'whole seconds ≥ 0');
  const fd = (server as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
  const address = server.address();
  const where = address && typeof address === 'object' ? `${address.address}:${address.port}` : 'an unbound server';
  if (typeof fd !== 'number' || fd < 0)
    throw new InvalidOptionValueError('TCP_DEFER_ACCEPT', where, 'a listening server (call it from the listen callback)');
  setInt(fd, 'TCP_DEFER_ACCEPT', optionConstant('TCP_DEFER_ACCEPT'), seconds, where);
}
