// UDP echo (RFC 862 §3: "When a datagram is received, the data from it is
// sent back in an answering datagram"). One datagram is one message: no
// stream, no splitting, but also no retransmission, so the client needs a timeout.
import dgram from 'node:dgram';
import net from 'node:net';
import { EchoConnectError, EchoListenError, EchoOptionError, EchoTimeoutError, checkMs, checkPort, errnoOf } from './errors.js';

/**
 * Largest UDP payload: 65 535 (IPv4 total length, RFC 791) − 20 (IPv4 header)
 * − 8 (UDP header, RFC 768) = 65 507; over IPv6 only the 8-byte UDP header
 * counts against the 65 535-byte payload length (RFC 8200 §3).
 */
export const maxUdpPayload = { IPv4: 65_507, IPv6: 65_527 } as const;

export interface UdpEchoServerOptions {
  /** Default '127.0.0.1'; an IPv6 literal such as '::1' makes it a udp6 socket. */
  host?: string;
  /** Default 0: the kernel picks a free port. */
  port?: number;
  /** Called with every datagram before it is sent back. */
  onDatagram?: (message: Buffer, from: { address: string; port: number }) => void;
}

export interface UdpEchoServerStats {
  datagramsIn: number;
  datagramsOut: number;
  bytesIn: number;
  bytesOut: number;
}

export interface UdpEchoServer {
  readonly address: { host: string; port: number; family: 'IPv4' | 'IPv6' };
  /** A snapshot of the counters. */
  readonly stats: UdpEchoServerStats;
  close(): Promise<void>;
}

function socketType(host: string): 'udp4' | 'udp6' {
  return net.isIPv6(host) ? 'udp6' : 'udp4';
}

/**
 * Start a UDP echo server.
 *
 * @example
 * ```ts
 * const server = await createUdpEchoServer({ port: 0 });
 * const reply = await udpEcho('ping', { ...server.address, timeoutMs: 500 });
 * await server.close();
 * ```
 */
export async function createUdpEchoServer(options: UdpEchoServerOptions = {}): Promise<UdpEchoServer> {
  const host = options.host ?? '127.0.0.1';
  const port = checkPort(options.port ?? 0, 0);
  const socket = dgram.createSocket(socketType(host));
  const stats: UdpEchoServerStats = { datagramsIn: 0, datagramsOut: 0, bytesIn: 0, bytesOut: 0 };

  await new Promise<void>((resolve, reject) => {
    socket.once('error', (error) => {
      reject(new EchoListenError({ host, port }, errnoOf(error), { cause: error }));
    });
    socket.bind(port, host, () => {
      socket.removeAllListeners('error');
      resolve();
    });
  });
  // A failed send to one client (e.g. its port closed) must not stop the server.
  socket.on('error', () => undefined);
  socket.on('message', (message, from) => {
    stats.datagramsIn++;
    stats.bytesIn += message.length;
    options.onDatagram?.(message, { address: from.address, port: from.port });
    socket.send(message, from.port, from.address, (error) => {
      if (error) return;
      stats.datagramsOut++;
      stats.bytesOut += message.length;
    });
  });

  const bound = socket.address();
  let closed: Promise<void> | undefined;
  return {
    address: { host: bound.address, port: bound.port, family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4' },
    get stats() {
      return { ...stats };
    },
    close() {
      closed ??= new Promise<void>((resolve) => socket.close(() => resolve()));
      return closed;
    },
  };
}

export interface UdpEchoOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  port: number;
  /** How long to wait for the answering datagram. Default 1000 ms. */
  timeoutMs?: number;
}

export interface UdpEchoReply {
  data: Buffer;
  elapsedMs: number;
}

/**
 * Send one datagram and wait for the answer. The socket is connect()ed, so
 * only the server's reply is accepted, and an ICMP "port unreachable" comes
 * back as EchoConnectError (ECONNREFUSED) instead of a silent timeout.
 *
 * @example
 * ```ts
 * const { data } = await udpEcho('ping', { host: '127.0.0.1', port: 7, timeoutMs: 500 });
 * ```
 */
export async function udpEcho(data: string | Uint8Array, options: UdpEchoOptions): Promise<UdpEchoReply> {
  const host = options.host ?? '127.0.0.1';
  const port = checkPort(options.port, 1);
  const timeoutMs = checkMs('timeoutMs', options.timeoutMs) ?? 1000;
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  const type = socketType(host);
  const max = type === 'udp6' ? maxUdpPayload.IPv6 : maxUdpPayload.IPv4;
  if (payload.byteLength > max) throw new EchoOptionError('data length', payload.byteLength, `at most ${max} bytes in one UDP datagram`);

  const endpoint = { host, port };
  const socket = dgram.createSocket(type);
  const started = performance.now();
  try {
    return await new Promise<UdpEchoReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new EchoTimeoutError(endpoint, `an answering datagram to ${payload.byteLength} bytes (UDP never retransmits)`, timeoutMs, 0),
        );
      }, timeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        reject(new EchoConnectError(endpoint, errnoOf(error), { cause: error }));
      };
      socket.on('error', fail);
      socket.on('message', (message) => {
        clearTimeout(timer);
        resolve({ data: message, elapsedMs: performance.now() - started });
      });
      socket.connect(port, host, () => {
        socket.send(payload, (error) => {
          if (error) fail(error);
        });
      });
    });
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
