// The measuring side of the lesson: connects to the lesson's server while it
// is stuck, reads the listening socket's queue and the kernel's counters, and
// times what each client sees. Runs in this process on the host's loopback,
// or inside a private namespace (ns-child.ts) where sysctls may be changed.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { promisify } from 'node:util';
import { counterDelta, listTcpSockets, readNetCounters } from '@connlab/inspect';
import type { NetCounters } from '@connlab/inspect';
import { sleep } from '@connlab/lab';
import { spawnLocalNode } from '@connlab/netlab';
import type { NamespaceChild } from '@connlab/netns';
import { getTcpInfo } from '@connlab/tcp-options';
import { isMessage } from './messages.js';
import type { ServerSpec } from './messages.js';

/** TCP_TIMEOUT_INIT (include/net/tcp.h): the first SYN retransmission comes 1 s after the SYN. */
export const INITIAL_RTO_MS = 1000;
const CONNECT_TIMEOUT_MS = 30_000;

/** One client connection as its connect() saw it. */
export interface ConnectRecord {
  /** connect() to 'connect', ms (or to the error). */
  connectMs: number;
  /** SYNs sent again before the handshake completed (TCP_INFO tcpi_total_retrans). */
  synRetransmits: number;
  error?: string;
}

/**
 * When the k-th SYN retransmission leaves, ms after the first SYN: Linux 6.5+
 * waits the initial RTO `linearTimeouts` + 1 times (tcp_syn_linear_timeouts,
 * Documentation/networking/ip-sysctl.rst: "1, 1, 1, 1, 1, 2, 4, …" for 4), then
 * doubles it each time; older kernels (no such sysctl, 0 here) double from the
 * start, RFC 6298's 1, 3, 7, 15 s.
 *
 * @example
 * ```ts
 * synRetransmitTimes(0, 4);  // [1000, 3000, 7000, 15000]
 * synRetransmitTimes(4, 7);  // [1000, 2000, 3000, 4000, 5000, 7000, 11000]
 * ```
 */
export function synRetransmitTimes(linearTimeouts: number, count: number): number[] {
  const times: number[] = [];
  let rto = INITIAL_RTO_MS;
  let at = 0;
  for (let k = 1; k <= count; k++) {
    at += rto;
    times.push(at);
    if (k > linearTimeouts) rto *= 2;
  }
  return times;
}

/** tcp_syn_linear_timeouts of this namespace, or 0 on kernels before 6.5 that lack it. */
export async function linearTimeouts(): Promise<number> {
  return readFile('/proc/sys/net/ipv4/tcp_syn_linear_timeouts', 'utf8').then(
    (t) => Number(t.trim()),
    () => 0,
  );
}

function connectTimed(port: number): Promise<{ socket: net.Socket; record: ConnectRecord }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect({ port, host: '127.0.0.1' });
    const done = (error?: string) => {
      clearTimeout(timer);
      let synRetransmits = 0;
      try {
        synRetransmits = getTcpInfo(socket).totalRetrans;
      } catch {
        // no fd left after an error: nothing to read
      }
      resolve({ socket, record: { connectMs: performance.now() - started, synRetransmits, ...(error ? { error } : {}) } });
    };
    const timer = setTimeout(() => {
      done('ETIMEDOUT (lesson timeout)');
      socket.destroy();
    }, CONNECT_TIMEOUT_MS);
    socket.once('connect', () => done());
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

/** The LISTEN socket's queue: Recv-Q (connections waiting for accept) from /proc/net/tcp, and its limit from `ss` (Send-Q). */
export interface ListenQueue {
  queued: number;
  /** ss's Send-Q for a LISTEN socket: the accept queue's size limit; undefined without `ss`. */
  limit?: number;
}

const run = promisify(execFile);

/** Read the listening socket on 127.0.0.1:port (Recv-Q from /proc, Send-Q from ss when installed). */
export async function listenQueue(port: number): Promise<ListenQueue> {
  const row = (await listTcpSockets({ families: [4] })).find((s) => s.stateName === 'LISTEN' && s.localPort === port);
  const queue: ListenQueue = { queued: row?.rxQueue ?? Number.NaN };
  try {
    // /proc/net/tcp prints 0 as a listener's tx_queue; only inet_diag (ss) reports sk_max_ack_backlog.
    const { stdout } = await run('ss', ['-Hltn', `sport = :${port}`], { timeout: 2000 });
    const limit = Number(stdout.trim().split(/\s+/)[2]);
    if (Number.isFinite(limit)) queue.limit = limit;
  } catch {
    // no ss: the limit stays unknown, the lesson says so
  }
  return queue;
}

interface Server {
  child: NamespaceChild;
  port: number;
  dir: string;
}

async function startServer(spec: ServerSpec): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'connlab-17-'));
  const child = spawnLocalNode(new URL('./server-child.ts', import.meta.url), [JSON.stringify(spec)]);
  const { port } = await child.nextMessage(isMessage('listening'), 15_000);
  return { child, port, dir };
}

async function stopServer(server: Server): Promise<void> {
  await server.child.kill();
  await rm(server.dir, { recursive: true, force: true });
}

/** Make the server stop calling accept(); resolves with a function that lets it go on, and the time it stopped. */
async function block(server: Server): Promise<{ at: number; resume: () => Promise<number> }> {
  const file = join(server.dir, 'resume');
  server.child.send({ type: 'block', file });
  const { at } = await server.child.nextMessage(isMessage('blocking'), 5_000);
  return { at, resume: () => writeFile(file, '').then(() => Date.now()) };
}

async function report(server: Server, timeoutMs: number) {
  server.child.send({ type: 'report' });
  return server.child.nextMessage(isMessage('report'), timeoutMs);
}

export interface OverflowOptions {
  /** listen({ backlog }): the accept queue then holds backlog + 1. */
  backlog: number;
  /** Connections made after the queue is full. */
  extra: number;
  /**
   * When the server calls accept() again, ms after the late clients' SYNs.
   * Between two SYN retransmissions, so each late client connects at a known one.
   */
  resumeAfterMs: number;
}

export interface OverflowResult extends OverflowOptions {
  /** How long the server was stuck in all, ms. */
  stuckMs: number;
  /** The queue once backlog + 1 connections waited in it. */
  queue: ListenQueue;
  /** The connections that fit: connect() returned at once. */
  early: ConnectRecord[];
  /** How long each early connection waited in the queue: its accept() time minus its connect() return, ms. */
  waitedMs: number[];
  /** The connections that found the queue full. */
  late: ConnectRecord[];
  /** Every client, early then late: connect() called, returned, and accept()ed, ms after the server got stuck. */
  timeline: { startMs: number; connectedMs: number; acceptedMs: number }[];
  /** ListenOverflows and ListenDrops (TcpExt) over the whole run. */
  overflows: number;
  drops: number;
  /** ListenOverflows 300 ms after the late SYNs: one per SYN dropped so far. */
  overflowsAtFirst: number;
  linearTimeouts: number;
  /** When the late connects should complete: the first SYN retransmission after the server resumes. */
  predicted: { connectMs: number; retransmits: number };
  accepted: number;
}

/**
 * Fill the accept queue of a stuck server, connect `extra` more, let the
 * server resume; measure everything the lesson prints.
 *
 * @example
 * ```ts
 * const r = await runOverflow({ backlog: 4, extra: 3, resumeAfterMs: 1500 });
 * r.queue.queued;        // 5
 * r.late[0]?.connectMs;  // ≈ 2000 with tcp_syn_linear_timeouts = 4
 * ```
 */
export async function runOverflow(options: OverflowOptions): Promise<OverflowResult> {
  const server = await startServer({ backlog: options.backlog });
  const sockets: net.Socket[] = [];
  try {
    const linear = await linearTimeouts();
    const before = await readNetCounters();
    const stuck = await block(server);
    const early: { record: ConnectRecord; at: number }[] = [];
    const startedAt: number[] = [];
    for (let i = 0; i <= options.backlog; i++) {
      startedAt.push(Date.now());
      const c = await connectTimed(server.port);
      sockets.push(c.socket);
      early.push({ record: c.record, at: Date.now() });
    }
    const queue = await listenQueue(server.port);
    const lateStart = Date.now();
    const pending = Array.from({ length: options.extra }, () => connectTimed(server.port));
    for (let i = 0; i < options.extra; i++) startedAt.push(lateStart);
    await sleep(300);
    const overflowsAtFirst = counterDelta(before, await readNetCounters(), 'TcpExt.ListenOverflows');
    await sleep(lateStart + options.resumeAfterMs - Date.now());
    const resumedAt = await stuck.resume();
    const late = await Promise.all(pending);
    sockets.push(...late.map((c) => c.socket));
    const after: NetCounters = await readNetCounters();
    const { acceptedAt } = await report(server, 10_000);
    const times = synRetransmitTimes(linear, 12);
    const k = times.findIndex((t) => t >= resumedAt - lateStart);
    return {
      ...options,
      stuckMs: resumedAt - stuck.at,
      queue,
      early: early.map((e) => e.record),
      waitedMs: early.map((e, i) => (acceptedAt[i] ?? Number.NaN) - e.at),
      late: late.map((c) => c.record),
      timeline: startedAt.map((start, i) => ({
        startMs: start - stuck.at,
        connectedMs: (i <= options.backlog ? early[i]!.at : start + late[i - options.backlog - 1]!.record.connectMs) - stuck.at,
        acceptedMs: (acceptedAt[i] ?? Number.NaN) - stuck.at,
      })),
      overflows: counterDelta(before, after, 'TcpExt.ListenOverflows'),
      drops: counterDelta(before, after, 'TcpExt.ListenDrops'),
      overflowsAtFirst,
      linearTimeouts: linear,
      predicted: { connectMs: times[k] ?? Number.NaN, retransmits: k + 1 },
      accepted: acceptedAt.length,
    };
  } finally {
    for (const s of sockets) s.destroy();
    await stopServer(server);
  }
}

export interface AbortOptions {
  backlog: number;
  /** When the server calls accept() again, ms after the late client's request. */
  resumeAfterMs: number;
}

export interface AbortResult extends AbortOptions {
  /** The namespace's tcp_abort_on_overflow when this ran. */
  abortOnOverflow: number;
  /** connect() of the late client: it completes, the server has only a SYN-queue entry. */
  lateConnectMs: number;
  /** What the late client saw after it sent its request. */
  error?: string;
  errorAfterMs?: number;
  /** The server accepted it and read its request (after it resumed), ms after the request was written. */
  servedAfterMs?: number;
  overflows: number;
}

/**
 * tcp_abort_on_overflow decides what happens to a handshake that completes
 * while the accept queue is full: 0 drops the client's ACK (the client keeps
 * retransmitting and is served once there is room), 1 answers with RST. On
 * loopback the three handshake packets follow each other within microseconds,
 * so the third never finds full a queue the first found open; TCP_DEFER_ACCEPT
 * holds the late client in the SYN queue until it sends data, which lets the
 * lesson fill the queue in between. Run it in a namespace: the sysctl is per
 * namespace, and this function reads (not sets) it.
 */
export async function runAbort(options: AbortOptions): Promise<AbortResult> {
  const abortOnOverflow = Number((await readFile('/proc/sys/net/ipv4/tcp_abort_on_overflow', 'utf8')).trim());
  const server = await startServer({ backlog: options.backlog, deferAcceptS: 30 });
  const sockets: net.Socket[] = [];
  try {
    const before = await readNetCounters();
    const stuck = await block(server);
    const late = await connectTimed(server.port);
    sockets.push(late.socket);
    for (let i = 0; i <= options.backlog; i++) {
      const c = await connectTimed(server.port);
      sockets.push(c.socket);
      c.socket.write('x'); // data completes its handshake: into the accept queue
    }
    for (let i = 0; i < 50 && (await listenQueue(server.port)).queued <= options.backlog; i++) await sleep(20);
    const request = 'GET / HTTP/1.1\r\n\r\n';
    const wroteAt = Date.now();
    const wrote = performance.now();
    const error = new Promise<{ code: string; afterMs: number }>((resolve) => {
      late.socket.once('error', (e: NodeJS.ErrnoException) => resolve({ code: e.code ?? e.message, afterMs: performance.now() - wrote }));
    });
    late.socket.write(request);
    const expected = options.backlog + 1 + request.length;
    // Once the server runs again, ask what it has read until the late request is in (or 3 s pass).
    const served = (async () => {
      await sleep(options.resumeAfterMs);
      await stuck.resume();
      for (const deadline = performance.now() + 3000; ;) {
        const r = await report(server, 10_000);
        if (r.bytes >= expected || performance.now() > deadline) return r;
        await sleep(100);
      }
    })();
    const seen = await Promise.race([error, served.then(() => undefined)]);
    const { acceptedAt, bytes } = await served;
    const after = await readNetCounters();
    const wasServed = bytes >= expected && acceptedAt.length === options.backlog + 2;
    return {
      ...options,
      abortOnOverflow,
      lateConnectMs: late.record.connectMs,
      ...(seen ? { error: seen.code, errorAfterMs: seen.afterMs } : {}),
      ...(wasServed ? { servedAfterMs: Math.max(...acceptedAt) - wroteAt } : {}),
      overflows: counterDelta(before, after, 'TcpExt.ListenOverflows'),
    };
  } finally {
    for (const s of sockets) s.destroy();
    await stopServer(server);
  }
}
