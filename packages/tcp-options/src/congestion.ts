// TCP_CONGESTION: per-socket congestion control algorithm (tcp(7), Linux 2.6.13+).
import type { Socket } from 'node:net';
import { TCP_CA_NAME_MAX, optionConstant } from './constants.js';
import { InvalidOptionValueError } from './errors.js';
import { getRaw, setRaw } from './ffi.js';
import { describePeer, requireFd, whenConnected } from './socket-fd.js';

/**
 * Choose the congestion control algorithm for one socket, e.g. 'cubic' or
 * 'reno' (see /proc/sys/net/ipv4/tcp_available_congestion_control). Fails
 * with ENOENT for an algorithm the kernel does not have, and EPERM for one not
 * in tcp_allowed_congestion_control unless the process has CAP_NET_ADMIN.
 *
 * @example
 * ```ts
 * setCongestion(socket, 'reno');
 * ```
 */
export function setCongestion(socket: Socket, algorithm: string): 'applied' | 'queued' {
  const constant = optionConstant('TCP_CONGESTION');
  if (!/^[a-z0-9_]+$/.test(algorithm) || algorithm.length >= TCP_CA_NAME_MAX) {
    throw new InvalidOptionValueError(
      'TCP_CONGESTION',
      algorithm,
      `an algorithm name of at most ${TCP_CA_NAME_MAX - 1} characters [a-z0-9_]`,
    );
  }
  const value = Buffer.from(algorithm, 'latin1');
  return whenConnected(socket, 'TCP_CONGESTION', (fd) => setRaw(fd, 'TCP_CONGESTION', constant, value, describePeer(socket)));
}

/**
 * The congestion control algorithm the kernel uses for this socket.
 *
 * @example
 * ```ts
 * getCongestion(socket); // 'cubic' (or the system default, e.g. 'bbr')
 * ```
 */
export function getCongestion(socket: Socket): string {
  const constant = optionConstant('TCP_CONGESTION');
  const raw = getRaw(requireFd(socket, 'TCP_CONGESTION'), 'TCP_CONGESTION', constant, TCP_CA_NAME_MAX, describePeer(socket));
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('latin1');
}
