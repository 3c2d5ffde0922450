// Connect/close cycles against one server, and what they leave behind. Runs
// in whatever network namespace the calling process is in: the host's
// loopback for the first part, a private namespace with 10 ports for the second.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { countTimeWait, listTcpSockets, timeWaitHolder } from '@connlab/inspect';
import type { TimeWaitCount } from '@connlab/inspect';
import { sleep } from '@connlab/lab';

/**
 * - `client-close`: the client ends first (FIN from the client)
 * - `server-close`: the server ends first after the exchange
 * - `reset`: the client aborts with RST (socket.resetAndDestroy(), SO_LINGER 0)
 * - `keep-alive`: all exchanges on one connection, closed by the client at the end
 */
export type CloseMode = 'client-close' | 'server-close' | 'reset' | 'keep-alive';

export interface CyclesOptions {
  mode: CloseMode;
  cycles: number;
  /** Pause between cycles, ms (0: back to back). */
  gapMs?: number;
  /** Stop at the first failed connect (default true). */
  stopOnError?: boolean;
  /**
   * The server's port (default 0: any free one). Port 0 is picked from the
   * same ephemeral range as the client's ports, so with a tiny range the
   * server must listen outside it.
   */
  serverPort?: number;
}

export interface CyclesResult {
  mode: CloseMode;
  attempted: number;
  succeeded: number;
  /** 1-based number of the first cycle whose connect failed, if any. */
  failedAt?: number;
  /** The error code of that failure, e.g. EADDRNOTAVAIL. */
  error?: string;
  /** Distinct local ports the client used. */
  portsUsed: number;
  elapsedMs: number;
  /** TIME_WAIT sockets of connections to the server port right after the last cycle. */
  timeWait: TimeWaitCount;
  /** The longest time a TIME_WAIT socket still had to live when counted (the kernel's timer), ms. */
  timeWaitRemainingMs: number;
  /**
   * How long TIME_WAIT lasts, measured: that timer plus the time since the last
   * connection closed (the newest TIME_WAIT socket has the most left). NaN when none was left.
   */
  timeWaitLengthMs: number;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** One request/response: 4 bytes out, 4 bytes back. */
function exchange(socket: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('data', () => {
      socket.off('error', reject);
      resolve();
    });
    socket.once('error', reject);
    socket.write('ping');
  });
}

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed) resolve();
    else socket.once('close', () => resolve());
  });
}

/**
 * Run `cycles` connect/exchange/close cycles against a fresh server on
 * 127.0.0.1 and count the TIME_WAIT sockets left for its port, by holder.
 *
 * @example
 * ```ts
 * const r = await runCycles({ mode: 'client-close', cycles: 100 });
 * r.timeWait; // { port, client: 100, server: 0, total: 100 }
 * ```
 */
export async function runCycles(options: CyclesOptions): Promise<CyclesResult> {
  const serverSockets = new Set<net.Socket>();
  const serverClosed: Promise<void>[] = [];
  const server = net.createServer((socket) => {
    serverSockets.add(socket);
    serverClosed.push(closed(socket));
    socket.on('close', () => serverSockets.delete(socket));
    socket.on('error', () => undefined); // the reset mode resets the server side on purpose
    socket.on('data', () => {
      socket.write('pong');
      if (options.mode === 'server-close') socket.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.serverPort ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const ports = new Set<number>();
  const result: Omit<CyclesResult, 'timeWait' | 'timeWaitRemainingMs' | 'timeWaitLengthMs' | 'elapsedMs' | 'portsUsed'> = {
    mode: options.mode,
    attempted: 0,
    succeeded: 0,
  };
  let lastClosedAt = performance.now();
  const start = performance.now();
  let shared: net.Socket | undefined;
  try {
    for (let i = 1; i <= options.cycles; i++) {
      if (i > 1 && options.gapMs) await sleep(options.gapMs);
      result.attempted = i;
      try {
        if (options.mode === 'keep-alive') {
          shared ??= await connect(port);
          ports.add(shared.localPort ?? 0);
          await exchange(shared);
        } else {
          const socket = await connect(port);
          ports.add(socket.localPort ?? 0);
          await exchange(socket);
          const done = closed(socket);
          if (options.mode === 'reset') socket.resetAndDestroy();
          else if (options.mode === 'client-close') socket.end();
          // server-close: wait for the server's FIN; Node answers it with ours
          // (allowHalfOpen is false). Ending first here could cross the server's
          // FIN on the wire: a simultaneous close, which leaves TIME_WAIT on both sides.
          await done;
          lastClosedAt = performance.now();
        }
        result.succeeded += 1;
      } catch (error) {
        result.failedAt ??= i;
        result.error ??= (error as NodeJS.ErrnoException).code ?? String(error);
        if (options.stopOnError ?? true) break;
      }
    }
    if (shared) {
      const done = closed(shared);
      shared.end();
      await done;
      lastClosedAt = performance.now();
    }
    // Let the server side finish its half of each close before counting.
    await Promise.race([Promise.all(serverClosed), sleep(2000)]);
    const elapsedMs = performance.now() - start;
    const readAt = performance.now();
    const table = await listTcpSockets();
    // Match whole connections, not just the server's port number: port 0 may
    // hand this server a number that other clients' TIME_WAIT sockets still use.
    const remaining = table.filter((e) => timeWaitHolder(e, port, ports) !== undefined).map((e) => e.timerRemainingMs);
    const timeWaitRemainingMs = Math.max(0, ...remaining);
    const timeWaitLengthMs = remaining.length ? timeWaitRemainingMs + (readAt - lastClosedAt) : Number.NaN;
    return {
      ...result,
      portsUsed: ports.size,
      elapsedMs,
      timeWait: await countTimeWait(port, table, ports),
      timeWaitRemainingMs,
      timeWaitLengthMs,
    };
  } finally {
    shared?.destroy();
    for (const s of serverSockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}
