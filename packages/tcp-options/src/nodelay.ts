// TCP_NODELAY: turn Nagle's algorithm off (tcp(7)).
import type { Socket } from 'node:net';
import { optionConstant } from './constants.js';
import { getInt, setInt } from './ffi.js';
import { describePeer, requireFd, whenConnected } from './socket-fd.js';

/**
 * Turn Nagle's algorithm off (`on = true`, TCP_NODELAY=1) or back on. Also
 * tells Node (socket.setNoDelay) so its own bookkeeping agrees. Before the
 * socket is connected the kernel call is queued until 'connect'.
 *
 * @example
 * ```ts
 * setNoDelay(socket, true);
 * socket.on('connect', () => console.log(getNoDelay(socket))); // true
 * ```
 */
export function setNoDelay(socket: Socket, on: boolean): 'applied' | 'queued' {
  const constant = optionConstant('TCP_NODELAY');
  socket.setNoDelay(on);
  return whenConnected(socket, 'TCP_NODELAY', (fd) => setInt(fd, 'TCP_NODELAY', constant, on ? 1 : 0, describePeer(socket)));
}

/**
 * Read TCP_NODELAY from the kernel: true when Nagle is off.
 *
 * @example
 * ```ts
 * getNoDelay(socket); // false for a fresh net.Socket: Nagle is on by default
 * ```
 */
export function getNoDelay(socket: Socket): boolean {
  const constant = optionConstant('TCP_NODELAY');
  return getInt(requireFd(socket, 'TCP_NODELAY'), 'TCP_NODELAY', constant, describePeer(socket)) !== 0;
}
