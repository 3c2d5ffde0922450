// TCP keepalive: SO_KEEPALIVE plus the three per-socket timers (tcp(7), socket(7)).
import type { Socket } from 'node:net';
import { MAX_TCP_KEEPCNT, MAX_TCP_KEEPIDLE_S, MAX_TCP_KEEPINTVL_S, optionConstant } from './constants.js';
import { InvalidOptionValueError } from './errors.js';
import { getInt, setInt } from './ffi.js';
import { describePeer, requireFd, whenConnected } from './socket-fd.js';

export interface KeepAliveOptions {
  /** SO_KEEPALIVE. */
  enable: boolean;
  /** TCP_KEEPIDLE (macOS: TCP_KEEPALIVE): idle time before the first probe, whole seconds in ms. Default: leave as is. */
  idleMs?: number;
  /** TCP_KEEPINTVL: time between unanswered probes, whole seconds in ms. Default: leave as is. */
  intervalMs?: number;
  /** TCP_KEEPCNT: unanswered probes before the connection is dropped (1–127). Default: leave as is. */
  count?: number;
}

/** The keepalive settings as the kernel has them. */
export interface KeepAliveState {
  enable: boolean;
  idleMs: number;
  intervalMs: number;
  count: number;
}

// The kernel takes seconds; refuse what it would round instead of rounding silently.
function seconds(option: string, ms: number, max: number): number {
  if (!Number.isInteger(ms) || ms % 1000 !== 0 || ms < 1000 || ms > max * 1000) {
    throw new InvalidOptionValueError(option, ms, `whole seconds in ms from 1000 to ${max * 1000}`);
  }
  return ms / 1000;
}

/**
 * Set SO_KEEPALIVE and, when given, TCP_KEEPIDLE, TCP_KEEPINTVL and
 * TCP_KEEPCNT on one socket. Node 20's own `socket.setKeepAlive(true, ms)`
 * sets only the idle time and forces interval 1 s and count 10; this sets all
 * four with setsockopt. Node's setKeepAlive is called first so Node's state
 * agrees, then the kernel values are applied now or, before connect, on 'connect'.
 * Values are validated up front (InvalidOptionValueError).
 *
 * @example
 * ```ts
 * setKeepAlive(socket, { enable: true, idleMs: 1000, intervalMs: 1000, count: 3 });
 * // dead peer detected after about 1 + 1 × 3 = 4 s of silence
 * ```
 */
export function setKeepAlive(socket: Socket, options: KeepAliveOptions): 'applied' | 'queued' {
  const enable = optionConstant('SO_KEEPALIVE');
  const values: [Parameters<typeof optionConstant>[0], number][] = [];
  if (options.idleMs !== undefined) values.push(['TCP_KEEPIDLE', seconds('TCP_KEEPIDLE', options.idleMs, MAX_TCP_KEEPIDLE_S)]);
  if (options.intervalMs !== undefined) values.push(['TCP_KEEPINTVL', seconds('TCP_KEEPINTVL', options.intervalMs, MAX_TCP_KEEPINTVL_S)]);
  if (options.count !== undefined) {
    if (!Number.isInteger(options.count) || options.count < 1 || options.count > MAX_TCP_KEEPCNT) {
      throw new InvalidOptionValueError('TCP_KEEPCNT', options.count, `a whole number from 1 to ${MAX_TCP_KEEPCNT}`);
    }
    values.push(['TCP_KEEPCNT', options.count]);
  }
  const constants = values.map(([option, value]) => [option, optionConstant(option), value] as const);
  socket.setKeepAlive(options.enable, options.idleMs ?? 0);
  return whenConnected(socket, 'SO_KEEPALIVE', (fd) => {
    const peer = describePeer(socket);
    // Timers first: SO_KEEPALIVE arms the timer with whatever idle time is set at that moment.
    for (const [option, constant, value] of constants) setInt(fd, option, constant, value, peer);
    setInt(fd, 'SO_KEEPALIVE', enable, options.enable ? 1 : 0, peer);
  });
}

/**
 * Read SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT from the kernel.
 *
 * @example
 * ```ts
 * socket.setKeepAlive(true, 1000);  // Node's own API
 * getKeepAlive(socket);             // { enable: true, idleMs: 1000, intervalMs: 1000, count: 10 }
 * ```
 */
export function getKeepAlive(socket: Socket): KeepAliveState {
  const fd = requireFd(socket, 'SO_KEEPALIVE');
  const peer = describePeer(socket);
  return {
    enable: getInt(fd, 'SO_KEEPALIVE', optionConstant('SO_KEEPALIVE'), peer) !== 0,
    idleMs: getInt(fd, 'TCP_KEEPIDLE', optionConstant('TCP_KEEPIDLE'), peer) * 1000,
    intervalMs: getInt(fd, 'TCP_KEEPINTVL', optionConstant('TCP_KEEPINTVL'), peer) * 1000,
    count: getInt(fd, 'TCP_KEEPCNT', optionConstant('TCP_KEEPCNT'), peer),
  };
}
