// @connlab/echo against a plain `socket.pipe(socket)` echo, measured in the
// same run: 1-byte ping-pong latency on one connection, bulk throughput, and
// the server's memory when a client sends a lot but reads slowly.
//
//   npm run bench -w @connlab/echo                 # 1 GiB bulk, 256 MiB slow reader
//   npm run bench -w @connlab/echo -- --quick      # 64 MiB bulk, 64 MiB slow reader
//   ECHO_BENCH_MIB=256 npm run bench -w @connlab/echo
import { execFileSync, fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatBytes, median, parseFlags, percentile, runMain, table } from '@connlab/lab';

type ServerKind = 'pipe' | 'connlab' | 'connlab-16' | 'naive';
const labels: Record<ServerKind, string> = {
  pipe: 'plain socket.pipe(socket)',
  connlab: '@connlab/echo (default)',
  'connlab-16': '@connlab/echo readSize 16',
  naive: 'naive echo (ignores write() false)',
};

interface ChildReport { peakRss: number; rss: number; peakBuffered: number; cpuMicros: number }
interface Child { kind: ServerKind; port: number; process: ChildProcess }

const MiB = 1 << 20;

/**
 * Pin a process (all its threads) to one CPU with taskset(1). Which core a
 * process lands on, next to what else is running, changes its speed by 2× on
 * a shared machine; pinning the client to CPU 0 and every server to CPU 1
 * gives both servers the same seat. False when it cannot be done here.
 */
function pin(pid: number, cpu: number): boolean {
  if (process.platform !== 'linux' || availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function startChild(kind: ServerKind): Promise<Child> {
  const child = fork(fileURLToPath(new URL('./server-child.ts', import.meta.url)), [kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = (await once(child, 'message')) as [{ type: string; port: number }];
  if (child.pid !== undefined) pin(child.pid, 1);
  return { kind, port: message.port, process: child };
}

async function ask<T>(child: Child, type: string, reply: string): Promise<T> {
  const answer = new Promise<T>((resolve) => {
    const onMessage = (message: { type: string }): void => {
      if (message.type !== reply) return;
      child.process.off('message', onMessage);
      resolve(message as T);
    };
    child.process.on('message', onMessage);
  });
  child.process.send({ type });
  return answer;
}

async function stopChild(child: Child): Promise<void> {
  const exited = once(child.process, 'exit');
  child.process.disconnect();
  await exited;
}

async function connect(port: number, options: net.NetConnectOpts = { port }): Promise<net.Socket> {
  const socket = net.connect({ ...options, host: '127.0.0.1', port });
  await once(socket, 'connect');
  return socket;
}

async function closeSocket(socket: net.Socket): Promise<void> {
  const closed = once(socket, 'close');
  socket.end();
  socket.resume();
  await closed;
}

/** Round-trip times (ms) of `count` 1-byte pings on one connection, after a warm-up. */
async function pingPong(port: number, count: number, warmup = 1000): Promise<number[]> {
  const socket = await connect(port);
  socket.setNoDelay(true);
  const ping = Buffer.from([0x2a]);
  const samples: number[] = [];
  await new Promise<void>((resolve) => {
    let sentAt = 0;
    let n = 0;
    const send = (): void => {
      sentAt = performance.now();
      socket.write(ping);
    };
    socket.on('data', () => {
      const rtt = performance.now() - sentAt;
      if (n++ >= warmup) samples.push(rtt);
      if (samples.length === count) resolve();
      else send();
    });
    send();
  });
  socket.removeAllListeners('data');
  await closeSocket(socket);
  return samples;
}

/** Milliseconds to send `total` bytes in `writeSize` writes and get them all back. */
async function bulk(port: number, total: number, writeSize: number): Promise<number> {
  const socket = await connect(port);
  const piece = Buffer.alloc(writeSize, 0x61);
  const started = performance.now();
  const done = new Promise<number>((resolve) => {
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= total) resolve(performance.now() - started);
    });
  });
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      sent += writeSize;
      if (!socket.write(piece)) {
        socket.once('drain', pump);
        return;
      }
    }
  };
  pump();
  const ms = await done;
  await closeSocket(socket);
  return ms;
}

/**
 * Send `total` bytes as fast as the server takes them while reading the echo
 * at only `rate` bytes/s; return the server's memory figures.
 */
async function slowReader(child: Child, total: number, rate: number): Promise<ChildReport & { baseline: number; ms: number }> {
  const { rss: baseline } = await ask<ChildReport>(child, 'report', 'report');
  await ask(child, 'reset', 'reset-done');
  const socket = await connect(child.port);
  const tickMs = 10;
  let budget = 0;
  let received = 0;
  const started = performance.now();
  const done = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      budget -= chunk.length;
      if (received >= total) resolve();
      else if (budget <= 0) socket.pause();
    });
  });
  socket.pause();
  const reader = setInterval(() => {
    budget = (rate * tickMs) / 1000;
    socket.resume();
  }, tickMs);
  const piece = Buffer.alloc(64 << 10, 0x62);
  let sent = 0;
  while (sent < total) {
    sent += piece.length;
    if (!socket.write(piece)) await once(socket, 'drain');
  }
  await done;
  clearInterval(reader);
  const ms = performance.now() - started;
  const report = await ask<ChildReport>(child, 'report', 'report');
  await closeSocket(socket);
  return { ...report, baseline, ms };
}

const us = (ms: number): string => `${(ms * 1000).toFixed(1)} µs`;
const gbps = (bytes: number, ms: number): string => {
  const perSecond = (bytes / ms) * 1000;
  return perSecond >= 1e8 ? `${(perSecond / 1e9).toFixed(2)} GB/s` : `${(perSecond / 1e6).toFixed(1)} MB/s`;
};
const ratio = (x: number): string => `${x.toFixed(2)}×`;

runMain('echo-bench', async () => {
  const flags = parseFlags(process.argv.slice(2), {
    quick: { type: 'boolean', help: '64 MiB bulk, 5000 pings, 64 MiB slow reader' },
    mib: { type: 'int', min: 1, help: 'bulk transfer size in MiB (env ECHO_BENCH_MIB; default 1024)' },
    pings: { type: 'int', min: 100, help: 'round trips per latency run (default 20000)' },
    rounds: { type: 'int', min: 1, max: 15, default: 5, help: 'alternating rounds; medians are reported' },
    slowMib: { type: 'int', min: 1, help: 'slow-reader transfer in MiB (default 256)' },
    slowRate: { type: 'int', min: 1, default: 64, help: 'slow reader speed in MiB/s' },
  }, { usage: 'npm run bench -w @connlab/echo --', summary: 'echo latency and throughput vs plain socket.pipe(socket), and memory under a slow reader' });
  const envMib = Number(process.env.ECHO_BENCH_MIB);
  const bulkBytes = (flags.mib ?? (Number.isInteger(envMib) && envMib > 0 ? envMib : flags.quick ? 64 : 1024)) * MiB;
  const pings = flags.pings ?? (flags.quick ? 5000 : 20_000);
  const slowBytes = (flags.slowMib ?? (flags.quick ? 64 : 256)) * MiB;
  const writeSize = 64 << 10;

  const kinds = ['pipe', 'connlab'] as const;
  const pinned = pin(process.pid, 0);
  const rtts: Record<string, number[][]> = { pipe: [], connlab: [] };
  const bulkMs: Record<string, number[]> = { pipe: [], connlab: [] };
  // Server CPU time per MiB echoed: steadier than wall time when other work shares the cores.
  const bulkCpu: Record<string, number[]> = { pipe: [], connlab: [] };
  for (let round = 0; round < flags.rounds; round++) {
    // Alternate the order so drift on a shared machine hits both sides alike,
    // and start fresh servers each round so no process keeps a lucky or unlucky seat.
    const order = round % 2 === 0 ? kinds : ([...kinds].reverse() as unknown as typeof kinds);
    for (const k of order) {
      const child = await startChild(k);
      try {
        const samples = await pingPong(child.port, pings);
        const before = await ask<ChildReport>(child, 'report', 'report');
        const ms = await bulk(child.port, bulkBytes, writeSize);
        const after = await ask<ChildReport>(child, 'report', 'report');
        rtts[k]!.push(samples);
        bulkMs[k]!.push(ms);
        bulkCpu[k]!.push((after.cpuMicros - before.cpuMicros) / (bulkBytes / MiB));
        process.stderr.write(`round ${round + 1}/${flags.rounds}: ${labels[k].padEnd(26)} RTT median ${us(median(samples))}, bulk ${formatBytes(bulkBytes)} at ${gbps(bulkBytes, ms)}, server CPU ${bulkCpu[k]!.at(-1)!.toFixed(0)} µs/MiB\n`);
      } finally {
        await stopChild(child);
      }
    }
  }

  // Per round medians, then the median over rounds.
  const rttMedian = (k: string): number => median(rtts[k]!.map((s) => median(s)));
  const rttP99 = (k: string): number => median(rtts[k]!.map((s) => percentile(s, 99)));
  const bulkMedian = (k: string): number => median(bulkMs[k]!);
  // Ratios are paired per round (both sides measured back to back) and then
  // the median taken, so load from other processes that drifts between rounds cancels.
  const paired = (f: (i: number) => number): number => median(Array.from({ length: flags.rounds }, (_, i) => f(i)));
  const latencyRatio = paired((i) => median(rtts.connlab![i]!) / median(rtts.pipe![i]!));
  const throughputRatio = paired((i) => bulkMs.pipe![i]! / bulkMs.connlab![i]!);
  const cpuRatio = paired((i) => bulkCpu.connlab![i]! / bulkCpu.pipe![i]!);

  // The paced path, for scale: every 16 bytes is one write().
  const paced = await startChild('connlab-16');
  const pacedBytes = Math.min(bulkBytes, 16 * MiB);
  let pacedMs: number;
  try {
    pacedMs = await bulk(paced.port, pacedBytes, writeSize);
  } finally {
    await stopChild(paced);
  }

  console.log(`\n@connlab/echo vs plain echo — loopback, server in a child process, Node ${process.version}, median of ${flags.rounds} alternating rounds (ratios: median of per-round pairs)${pinned ? '; client pinned to CPU 0, servers to CPU 1' : ''}\n`);
  console.log(table(
    ['measure', labels.pipe, labels.connlab, 'ratio', 'target', 'met'],
    [
      [`1-byte ping-pong RTT, median (${pings} per round)`, us(rttMedian('pipe')), us(rttMedian('connlab')), ratio(latencyRatio), '≤ 1.10×', latencyRatio <= 1.1 ? 'yes' : 'NO'],
      ['1-byte ping-pong RTT, p99', us(rttP99('pipe')), us(rttP99('connlab')), ratio(rttP99('connlab') / rttP99('pipe')), '', ''],
      [`bulk ${formatBytes(bulkBytes)} in 64 KiB writes`, gbps(bulkBytes, bulkMedian('pipe')), gbps(bulkBytes, bulkMedian('connlab')), ratio(throughputRatio), '≥ 0.95×', throughputRatio >= 0.95 ? 'yes' : 'NO'],
      ['server CPU per MiB echoed (bulk)', `${median(bulkCpu.pipe!).toFixed(0)} µs`, `${median(bulkCpu.connlab!).toFixed(0)} µs`, ratio(cpuRatio), '', ''],
    ],
  ).join('\n'));
  console.log(`\n${labels['connlab-16']}: ${formatBytes(pacedBytes)} echoed at ${gbps(pacedBytes, pacedMs)} (one write per 16 bytes; for the lesson, not for speed)`);

  console.log(`\nslow reader: the client sends ${formatBytes(slowBytes)} as fast as the server accepts it and reads the echo at ${flags.slowRate} MiB/s\n`);
  const rows: (string | number)[][] = [];
  for (const k of ['connlab', 'naive'] as const) {
    const child = await startChild(k);
    try {
      process.stderr.write(`slow reader: ${labels[k]}\n`);
      const r = await slowReader(child, slowBytes, flags.slowRate * MiB);
      rows.push([labels[k], formatBytes(r.baseline), formatBytes(r.peakRss), formatBytes(r.peakRss - r.baseline), formatBytes(r.peakBuffered), `${(r.ms / 1000).toFixed(1)} s`]);
    } finally {
      await stopChild(child);
    }
  }
  console.log(table(['server', 'RSS before', 'peak RSS', 'growth', 'peak unsent echo', 'time'], rows).join('\n'));
});
