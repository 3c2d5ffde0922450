// Keep-alive vs a new connection per request, measured in one run.
//
// The notes: keep-alive means fewer TCP connections, so fewer accept() and
// close() calls and fewer TIME_WAIT sockets (the server closes, so it holds
// them); but it is not free, because idle connections hold resources. The
// same number of requests goes to two identical servers in a child process,
// one way each; then N idle keep-alive connections are opened and the
// server process's memory is read before and after.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { HttpParser } from '@connlab/http';
import { countTimeWait } from '@connlab/inspect';
import type { TimeWaitCount } from '@connlab/inspect';
import { sleep } from '@connlab/lab';
import type { ChildCommand, ChildMessage } from './server-child.js';

export interface RunOptions {
  /** Requests sent each way. */
  requests: number;
  /** Client loops running at once, each way (each keep-alive loop owns one connection). */
  concurrency: number;
  /** Idle keep-alive connections opened for the memory measurement. */
  idleConnections: number;
  /** Give up on the whole run after this long. */
  timeoutMs: number;
}

export const defaultOptions: RunOptions = { requests: 2000, concurrency: 4, idleConnections: 2000, timeoutMs: 60_000 };
export const quickOptions: RunOptions = { requests: 300, concurrency: 4, idleConnections: 400, timeoutMs: 30_000 };

export type Way = 'keep-alive' | 'close';

export interface WayResult {
  way: Way;
  requests: number;
  ms: number;
  perSecond: number;
  /** Connections the client opened. */
  connections: number;
  /** Connections the server accepted (its accept() count). */
  accepted: number;
  /** TIME_WAIT sockets of this server's port afterwards, by holder; null where /proc/net/tcp is not readable. */
  timeWait: TimeWaitCount | null;
}

export interface MemoryResult {
  connections: number;
  /** Connections the server had open when measured. */
  open: number;
  rssBefore: number;
  rssAfter: number;
  heapBefore: number;
  heapAfter: number;
  /** (after − before) / connections, bytes. */
  rssPerConnection: number;
  heapPerConnection: number;
  externalPerConnection: number;
  /** Heap with the first half of the idle connections open. */
  heapMid: number;
  /** Heap bytes per connection for the first and the second half of them. */
  heapPerConnectionFirstHalf: number;
  heapPerConnectionSecondHalf: number;
  /** |difference| between two heap readings with nothing opened in between: the measurement's noise. */
  heapNoise: number;
  /** The server's open file descriptors before and after (null where /proc/self/fd is not readable). */
  fdsBefore: number | null;
  fdsAfter: number | null;
}

export interface RunResult {
  options: RunOptions;
  ways: WayResult[];
  memory: MemoryResult;
}

/** Thrown when the child server does not start or answer in time. */
export class LessonServerError extends Error {
  readonly code = 'LESSON16_SERVER';
  constructor(message: string) {
    super(message);
    this.name = 'LessonServerError';
  }
}

const HOST = '127.0.0.1';
const KEEP = Buffer.from(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, 'latin1');
const LAST = Buffer.from(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`, 'latin1');

/** A raw connection that sends one request at a time and resolves when the response is complete. */
class Requester {
  readonly socket: net.Socket;
  /** The client's local port, known once connected (0 before). */
  localPort = 0;
  private waiting: (() => void) | null = null;
  private failed: Error | null = null;
  private readonly parser: HttpParser;

  constructor(port: number) {
    this.socket = net.connect({ port, host: HOST });
    this.socket.setNoDelay(true);
    // Read at connect: net answers localPort from the live handle only.
    this.socket.once('connect', () => {
      this.localPort = this.socket.localPort ?? 0;
    });
    this.parser = new HttpParser({ type: 'response' }, { onComplete: () => this.done() });
    this.socket.on('data', (chunk: Buffer) => {
      try {
        this.parser.execute(chunk);
      } catch (error) {
        this.fail(error as Error);
      }
    });
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error(`connection to ${HOST}:${port} closed before a response was complete`)));
  }

  /** Send one request; resolves when its response has arrived. */
  request(bytes: Buffer): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.onFail = reject;
      this.socket.write(bytes);
    });
  }

  /** Resolves when the socket has closed (after the server's FIN). */
  async closed(): Promise<void> {
    if (this.socket.closed) return;
    await once(this.socket, 'close');
  }

  private onFail: ((error: Error) => void) | null = null;

  private done(): void {
    const w = this.waiting;
    this.waiting = null;
    this.onFail = null;
    w?.();
  }

  private fail(error: Error): void {
    this.failed ??= error;
    const f = this.onFail;
    this.waiting = null;
    this.onFail = null;
    f?.(error);
  }
}

/** How one way ran: its time, connections, and the local ports its clients used. */
interface WayRun {
  ms: number;
  connections: number;
  clientPorts: number[];
}

/** `requests` requests on `concurrency` persistent connections; each connection's last request says close. */
async function keepAliveWay(port: number, options: RunOptions): Promise<WayRun> {
  const per = Math.ceil(options.requests / options.concurrency);
  const clientPorts: number[] = [];
  const t = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, i) => {
      const n = Math.min(per, options.requests - i * per);
      if (n <= 0) return;
      const r = new Requester(port);
      for (let k = 0; k < n; k++) await r.request(k === n - 1 ? LAST : KEEP);
      clientPorts.push(r.localPort);
      await r.closed();
    }),
  );
  return { ms: performance.now() - t, connections: Math.min(options.concurrency, options.requests), clientPorts };
}

/** `requests` requests, each on a new connection with Connection: close (the server closes first). */
async function closeWay(port: number, options: RunOptions): Promise<WayRun> {
  let next = 0;
  const clientPorts: number[] = [];
  const t = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.requests) {
        next++;
        const r = new Requester(port);
        await r.request(LAST);
        clientPorts.push(r.localPort);
        await r.closed();
      }
    }),
  );
  return { ms: performance.now() - t, connections: options.requests, clientPorts };
}

/**
 * The TIME_WAIT sockets of this run's own connections: matched by server port
 * and client port, so the warm-up's and other programs' sockets on the same
 * port number do not count.
 */
async function timeWaitOf(port: number, clientPorts: readonly number[]): Promise<TimeWaitCount | null> {
  try {
    return await countTimeWait(port, { families: [4] }, clientPorts);
  } catch {
    return null;
  }
}

/** The child server and a request/response channel to it. */
class ChildServer {
  private readonly child: ChildProcess;
  private readonly messages: ChildMessage[] = [];
  private wake: (() => void) | null = null;

  constructor() {
    const entry = fileURLToPath(new URL('./server-child.ts', import.meta.url));
    // tsx runs the TypeScript child whatever runs this file (tsx, vitest); --expose-gc for steady heap numbers.
    this.child = fork(entry, [], {
      execArgv: ['--import', 'tsx', '--expose-gc', '--no-flush-bytecode'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: ChildMessage) => {
      this.messages.push(m);
      this.wake?.();
    });
    this.child.on('exit', () => this.wake?.());
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(command: ChildCommand): void {
    this.child.send(command);
  }

  /** The next message of a kind, or a LessonServerError after `timeoutMs`. */
  async next<K extends ChildMessage['kind']>(kind: K, timeoutMs: number): Promise<Extract<ChildMessage, { kind: K }>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const i = this.messages.findIndex((m) => m.kind === kind);
      if (i !== -1) return this.messages.splice(i, 1)[0] as Extract<ChildMessage, { kind: K }>;
      const left = deadline - performance.now();
      if (left <= 0 || this.child.exitCode !== null)
        throw new LessonServerError(`the lesson's server process (pid ${this.child.pid ?? '?'}) sent no '${kind}' within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
      });
    }
  }

  async stats(timeoutMs: number): Promise<Extract<ChildMessage, { kind: 'stats' }>> {
    this.send({ cmd: 'stats' });
    return this.next('stats', timeoutMs);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    this.send({ cmd: 'close' });
    const exited = once(this.child, 'exit');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** Open `n` keep-alive connections, one request each, and leave them idle. */
async function openIdle(port: number, n: number): Promise<Requester[]> {
  const out: Requester[] = [];
  // In batches, so the listen backlog is never the limit.
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, () => new Requester(port));
    await Promise.all(batch.map((r) => r.request(KEEP)));
    out.push(...batch);
  }
  return out;
}

/** One way's figures: the client's run, the server's accept count, and the TIME_WAIT left on the server's port. */
async function wayResult(way: Way, run: WayRun, requests: number, accepted: number, port: number): Promise<WayResult> {
  return {
    way,
    requests,
    ms: run.ms,
    perSecond: requests / (run.ms / 1000),
    connections: run.connections,
    accepted,
    timeWait: await timeWaitOf(port, run.clientPorts),
  };
}

/** Resolves when the server holds no connection; throws after `timeoutMs`. */
async function allClosed(server: ChildServer, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((await server.stats(5000)).open > 0) {
    if (performance.now() > deadline) throw new Error(`the server still held connections ${timeoutMs} ms after the client closed them`);
    await sleep(20);
  }
}

/** Run both ways against the child server, then measure its memory with idle connections. */
export async function run(options: RunOptions = defaultOptions): Promise<RunResult> {
  const server = new ChildServer();
  let idle: Requester[] = [];
  const overall = setTimeout(() => {
    void server.stop();
  }, options.timeoutMs);
  try {
    const { keepAlivePort, closePort } = await server.next('ready', 15_000);
    // Warm both paths (JIT, first accept) so neither way pays for start-up; the warm-up's accept counts are subtracted.
    const warm = { ...options, requests: 50 };
    await keepAliveWay(keepAlivePort, warm);
    await closeWay(closePort, warm);
    const base = await server.stats(5000);

    const ka = await keepAliveWay(keepAlivePort, options);
    const cl = await closeWay(closePort, options);
    const after = await server.stats(5000);
    const ways: WayResult[] = [
      await wayResult('keep-alive', ka, options.requests, after.accepted.keepAlive - base.accepted.keepAlive, keepAlivePort),
      await wayResult('close', cl, options.requests, after.accepted.close - base.accepted.close, closePort),
    ];

    const n = options.idleConnections;
    const half = Math.floor(n / 2);
    // Warm the idle path as well: the first burst of idle connections compiles
    // code and grows the server's tables once, a one-off heap step that would
    // otherwise land in one half or the other. The client closes them again.
    const warmIdle = await openIdle(keepAlivePort, half);
    for (const r of warmIdle) r.socket.destroy();
    await allClosed(server, 10_000);

    // Two readings with nothing in between give the noise; then the idle
    // connections are opened in two halves, so the cost per connection is
    // measured twice and can be compared with itself.
    const before = await server.stats(5000);
    const again = await server.stats(5000);
    idle = await openIdle(keepAlivePort, half);
    const mid = await server.stats(5000);
    idle.push(...(await openIdle(keepAlivePort, n - half)));
    const held = await server.stats(5000);
    const memory: MemoryResult = {
      heapMid: mid.heapUsed,
      heapPerConnectionFirstHalf: (mid.heapUsed - before.heapUsed) / half,
      heapPerConnectionSecondHalf: (held.heapUsed - mid.heapUsed) / (n - half),
      heapNoise: Math.abs(again.heapUsed - before.heapUsed),
      fdsBefore: before.fds,
      fdsAfter: held.fds,
      connections: n,
      open: held.open,
      rssBefore: before.rss,
      rssAfter: held.rss,
      heapBefore: before.heapUsed,
      heapAfter: held.heapUsed,
      rssPerConnection: (held.rss - before.rss) / n,
      heapPerConnection: (held.heapUsed - before.heapUsed) / n,
      externalPerConnection: (held.external - before.external) / n,
    };
    return { options, ways, memory };
  } finally {
    clearTimeout(overall);
    // The server closes the idle connections (server.close()), so their TIME_WAIT stays on its side.
    await server.stop();
    for (const r of idle) r.socket.destroy();
  }
}
