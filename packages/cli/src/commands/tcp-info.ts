// connlab tcp-info HOST:PORT: connect, then read the kernel's view of the
// connection (TCP_INFO) and the keepalive and Nagle settings back with getsockopt.
import net from 'node:net';
import type { Command } from 'commander';
import { getKeepAlive, getNoDelay, getTcpInfo, setKeepAlive, setNoDelay } from '@connlab/tcp-options';
import type { TcpInfo } from '@connlab/tcp-options';
import { formatBytes, formatMs } from '@connlab/lab';
import { examples } from '../help.js';
import type { CliIo } from '../io.js';
import { CliError } from '../errors.js';
import { hostPort, say } from '../io.js';
import type { HostPort } from '../parsers.js';
import { parseHostPort, wholeNumber, wholeSecondsMs } from '../parsers.js';

interface TcpInfoOptions {
  nodelay?: true;
  keepalive?: number;
  timeout: number;
}

/** A connect(2) that failed, named by where it was going. */
export class ConnectError extends CliError {
  readonly code = 'CONNLAB_CONNECT';
  constructor(
    readonly target: string,
    readonly errno: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot connect to ${target}: ${errno}${errno === 'ECONNREFUSED' ? ' (nothing is listening there)' : ''}`, options);
    this.name = 'ConnectError';
  }
}

/**
 * Open a TCP connection, failing with {@link ConnectError} (ECONNREFUSED, ETIMEDOUT …).
 *
 * @example
 * ```ts
 * const socket = await connect({ host: '127.0.0.1', port: 8080 }, 3000);
 * ```
 */
export function connect(to: HostPort, timeoutMs: number, before?: (socket: net.Socket) => void): Promise<net.Socket> {
  const where = hostPort(to.host, to.port);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: to.host, port: to.port });
    before?.(socket);
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new ConnectError(where, `ETIMEDOUT after ${timeoutMs} ms`));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => reject(new ConnectError(where, error.code ?? error.message, { cause: error })));
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}

const us = (v: number): string => formatMs(v / 1000);

function infoLines(info: TcpInfo): [string, string][] {
  const rows: [string, string | undefined][] = [
    ['state', `${info.stateName} (congestion state ${info.caStateName})`],
    ['rtt', `${us(info.rttUs)} smoothed, ±${us(info.rttvarUs)} (tcpi_rtt, tcpi_rttvar)`],
    ['min rtt', info.minRttUs === undefined ? undefined : us(info.minRttUs)],
    ['rto', `${us(info.rtoUs)} retransmission timeout (Linux floor 200 ms, TCP_RTO_MIN in include/net/tcp.h; RFC 6298 §2.4 says 1 s)`],
    ['ato', `${us(info.atoUs)} delayed-ACK timeout`],
    ['cwnd', `${info.sndCwnd} segments (initial window 10, RFC 6928)`],
    ['ssthresh', info.sndSsthresh >= 0x7fffffff ? 'infinite (still in slow start)' : `${info.sndSsthresh} segments`],
    ['mss', `${info.sndMss} bytes to send, ${info.rcvMss} received, advertised ${info.advmss}; path MTU ${info.pmtu}`],
    ['window scale', `send ${info.sndWscale}, receive ${info.rcvWscale}`],
    ['peer window', info.sndWnd === undefined ? undefined : formatBytes(info.sndWnd)],
    ['retransmits', `${info.retransmits} now, ${info.totalRetrans} in total; ${info.unacked} segments unacknowledged, ${info.lost} lost`],
    [
      'bytes',
      info.bytesSent === undefined
        ? undefined
        : `${info.bytesSent} sent, ${info.bytesAcked ?? 0} acked, ${info.bytesReceived ?? 0} received`,
    ],
    ['segments', info.segsOut === undefined ? undefined : `${info.segsOut} out, ${info.segsIn ?? 0} in`],
    ['options', tcpiOptions(info.options)],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined);
}

// TCPI_OPT_* bits, include/uapi/linux/tcp.h.
const optionBits: [number, string][] = [
  [1, 'timestamps'],
  [2, 'SACK'],
  [4, 'window scaling'],
  [8, 'ECN'],
  [16, 'ECN seen'],
  [32, 'SYN data (TFO)'],
];

function tcpiOptions(bits: number): string {
  return (
    optionBits
      .filter(([bit]) => (bits & bit) !== 0)
      .map(([, name]) => name)
      .join(', ') || 'none'
  );
}

async function tcpInfo(io: CliIo, target: HostPort, options: TcpInfoOptions): Promise<void> {
  const started = performance.now();
  const socket = await connect(target, options.timeout, (s) => {
    if (options.nodelay) setNoDelay(s, true);
    if (options.keepalive !== undefined) setKeepAlive(s, { enable: true, idleMs: options.keepalive });
  });
  const connectMs = performance.now() - started;
  try {
    const info = getTcpInfo(socket);
    const keepAlive = getKeepAlive(socket);
    const noDelay = getNoDelay(socket);
    const rows = infoLines(info);
    const width = Math.max(...rows.map(([k]) => k.length));
    say(
      io,
      `connected to ${hostPort(target.host, target.port)} from ${hostPort(socket.localAddress ?? '?', socket.localPort ?? 0)} in ${formatMs(connectMs)}`,
      '',
      `TCP_INFO (${info.length} bytes of struct tcp_info from the kernel)`,
      ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
      '',
      'read back with getsockopt',
      `  SO_KEEPALIVE   ${keepAlive.enable ? 'on' : 'off'}${keepAlive.enable ? '' : ' (Node leaves it off; the timers below apply once it is on)'}`,
      `  TCP_KEEPIDLE   ${keepAlive.idleMs / 1000} s idle before the first probe`,
      `  TCP_KEEPINTVL  ${keepAlive.intervalMs / 1000} s between probes`,
      `  TCP_KEEPCNT    ${keepAlive.count} unanswered probes before the connection is dropped`,
      `  TCP_NODELAY    ${noDelay ? 'on (Nagle off)' : 'off (Nagle on: small writes may wait for an ACK)'}`,
    );
  } finally {
    // Our FIN, then wait for the peer's so the server sees a clean close.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), 1000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.resume();
      socket.end();
    });
  }
}

/** Add `connlab tcp-info`. */
export function registerTcpInfo(program: Command, io: CliIo): void {
  const cmd = program
    .command('tcp-info')
    .description(
      'connect to HOST:PORT and print TCP_INFO (rtt, cwnd, mss, retransmits …) and the keepalive and TCP_NODELAY values the kernel holds',
    )
    .argument('<host:port>', 'where to connect, e.g. 127.0.0.1:8080 or [::1]:8080', parseHostPort)
    .option('--nodelay', 'set TCP_NODELAY before reading it back')
    .option(
      '--keepalive <ms>',
      'turn SO_KEEPALIVE on with this TCP_KEEPIDLE (whole seconds, so a multiple of 1000) before reading back',
      wholeSecondsMs,
    )
    .option('--timeout <ms>', 'give up connecting after this long', wholeNumber(1), 5000)
    .action((target: HostPort, options: TcpInfoOptions) => tcpInfo(io, target, options));
  examples(
    cmd,
    ['connlab tcp-info 127.0.0.1:8080', 'connlab tcp-info 127.0.0.1:2048 --nodelay --keepalive 60000'],
    ['Linux only: TCP_INFO and the keepalive timers are read with getsockopt through FFI (koffi).'],
  );
}
