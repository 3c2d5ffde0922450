// The file descriptor behind a net.Socket, and "do this once it exists".
import type { Socket } from 'node:net';
import { SocketNotReadyError } from './errors.js';

interface HandleWithFd {
  fd?: number;
}

/** "127.0.0.1:4242" (or "unconnected socket") for error messages. */
export function describePeer(socket: Socket): string {
  const host = socket.remoteAddress;
  const port = socket.remotePort;
  if (host === undefined || port === undefined) return 'an unconnected socket';
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The socket's fd, or -1 if it has none yet. Node does not expose the fd in
 * its public API; the TCP handle (`socket._handle`, a TCPWrap) has an `fd`
 * getter on Unix. libuv creates the OS socket only when connect() or bind()
 * runs, so the fd is -1 until then (and the handle is null once destroyed);
 * that is why setters queue themselves until 'connect'.
 */
export function socketFd(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: HandleWithFd | null })._handle;
  const fd = handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}

/** The fd, or a SocketNotReadyError naming the option and the peer. */
export function requireFd(socket: Socket, option: string): number {
  const fd = socketFd(socket);
  if (fd < 0) throw new SocketNotReadyError(option, describePeer(socket));
  return fd;
}

/**
 * Run `apply(fd)` now if the socket is connected, else once it connects. An
 * error thrown by a deferred `apply` destroys the socket with that error
 * (there is no caller left to throw to). Returns whether it ran now; throws
 * SocketNotReadyError for a destroyed socket.
 */
export function whenConnected(socket: Socket, option: string, apply: (fd: number) => void): 'applied' | 'queued' {
  if (socket.destroyed) throw new SocketNotReadyError(option, describePeer(socket));
  const fd = socketFd(socket);
  if (fd >= 0 && !socket.connecting) {
    apply(fd);
    return 'applied';
  }
  socket.once('connect', () => {
    try {
      apply(socketFd(socket));
    } catch (error) {
      socket.destroy(error as Error);
    }
  });
  return 'queued';
}
