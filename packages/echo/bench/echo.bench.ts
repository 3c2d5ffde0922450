// @connlab/echo against a plain `socket.pipe(socket)` echo, measured in the
// same run: 1-byte ping-pong latency on one connection, bulk throughput, and
// the server's memory when a client sends a lot but reads slowly.
//
//   npm run bench -w @connlab/echo                 # 1 GiB bulk, 256 MiB slow reader
//   npm run bench -w @connlab/echo -- --quick      # 64 MiB bulk per round, 64 MiB slow reader
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

interface ChildReport {
  peakRss: number;
  rss: number;
  peakBuffered: number;
  cpuMicros: number;
}
interface Child {
  kind: ServerKind;
  port: number;
  process: ChildProcess;
}

const MiB = 1 << 20;
// Issue 16's targets against the plain pipe echo, measured in the same run.
const LATENCY_TARGET = 1.05; // ping-pong RTT median, at most
const BULK_TARGET = 1.0; // bulk throughput, at least

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
  const child = fork(fileURLToPath(new URL('./server-child.ts', import.meta.url)), [kind], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
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

/** Round-trip times (ms) of `count` 1-byte pings on an open connection. */
function pingPong(socket: net.Socket, count: number): Promise<number[]> {
  const ping = Buffer.from([0x2a]);
  const samples: number[] = [];
  return new Promise((resolve) => {
    let sentAt = 0;
    const send = (): void => {
      sentAt = performance.now();
      socket.write(ping);
    };
    const onData = (): void => {
      samples.push(performance.now() - sentAt);
      if (samples.length < count) {
        send();
        return;
      }
      socket.off('data', onData);
      resolve(samples);
    };
    socket.on('data', onData);
    send();
  });
}

/** Milliseconds to send `total` bytes in `writeSize` writes on an open connection and get them all back. */
function bulk(socket: net.Socket, total: number, writeSize: number): Promise<number> {
  const piece = Buffer.alloc(writeSize, 0x61);
  const started = performance.now();
  const done = new Promise<number>((resolve) => {
    let received = 0;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received < total) return;
      socket.off('data', onData);
      resolve(performance.now() - started);
    };
    socket.on('data', onData);
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
  return done;
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
  const flags = parseFlags(
    process.argv.slice(2),
    {
      quick: { type: 'boolean', help: '64 MiB bulk, 5000 pings, 64 MiB slow reader' },
      mib: { type: 'int', min: 1, help: 'bulk transfer size in MiB (env ECHO_BENCH_MIB; default 1024)' },
      pings: { type: 'int', min: 100, help: 'round trips per latency run (default 20000)' },
      rounds: { type: 'int', min: 1, max: 15, default: 5, help: 'rounds of fresh servers taking turns in 8 slices; medians are reported' },
      slowMib: { type: 'int', min: 1, help: 'slow-reader transfer in MiB (default 256)' },
      slowRate: { type: 'int', min: 1, default: 64, help: 'slow reader speed in MiB/s' },
    },
    {
      usage: 'npm run bench -w @connlab/echo --',
      summary: 'echo latency and throughput vs plain socket.pipe(socket), and memory under a slow reader',
    },
  );
  const envMib = Number(process.env.ECHO_BENCH_MIB);
  const writeSize = 64 << 10;
  const slices = 8;
  // Whole 64 KiB writes per slice, so no slice's echo spills into the next.
  const sliceBytes =
    Math.max(
      1,
      Math.round(((flags.mib ?? (Number.isInteger(envMib) && envMib > 0 ? envMib : flags.quick ? 64 : 1024)) * MiB) / slices / writeSize),
    ) * writeSize;
  const bulkBytes = sliceBytes * slices;
  const pings = flags.pings ?? (flags.quick ? 5000 : 20_000);
  const slowBytes = (flags.slowMib ?? (flags.quick ? 64 : 256)) * MiB;

  const kinds = ['pipe', 'connlab'] as const;
  const pinned = pin(process.pid, 0);
  const rtts: Record<string, number[][]> = { pipe: [], connlab: [] };
  const bulkMs: Record<string, number[]> = { pipe: [], connlab: [] };
  // Server CPU time per MiB echoed, from the server's own cpuUsage().
  const bulkCpu: Record<string, number[]> = { pipe: [], connlab: [] };
  for (let round = 0; round < flags.rounds; round++) {
    // Fresh servers each round, so no process keeps a lucky or unlucky seat;
    // within a round the two take turns in 8 slices, each on its own
    // long-lived connection, so load that comes and goes hits both alike.
    const children = { pipe: await startChild('pipe'), connlab: await startChild('connlab') };
    try {
      const pingSockets = { pipe: await connect(children.pipe.port), connlab: await connect(children.connlab.port) };
      const bulkSockets = { pipe: await connect(children.pipe.port), connlab: await connect(children.connlab.port) };
      for (const k of kinds) {
        pingSockets[k].setNoDelay(true);
        await pingPong(pingSockets[k], 500); // warm-up
      }
      const samples: Record<string, number[]> = { pipe: [], connlab: [] };
      const ms: Record<string, number> = { pipe: 0, connlab: 0 };
      const cpu: Record<string, number> = { pipe: 0, connlab: 0 };
      for (let slice = 0; slice < slices; slice++) {
        const order = (round + slice) % 2 === 0 ? kinds : ([...kinds].reverse() as unknown as typeof kinds);
        for (const k of order) {
          samples[k]!.push(...(await pingPong(pingSockets[k], Math.ceil(pings / slices))));
          const before = await ask<ChildReport>(children[k], 'report', 'report');
          ms[k]! += await bulk(bulkSockets[k], sliceBytes, writeSize);
          const after = await ask<ChildReport>(children[k], 'report', 'report');
          cpu[k]! += after.cpuMicros - before.cpuMicros;
        }
      }
      await Promise.all(kinds.flatMap((k) => [closeSocket(pingSockets[k]), closeSocket(bulkSockets[k])]));
      for (const k of kinds) {
        rtts[k]!.push(samples[k]!);
        bulkMs[k]!.push(ms[k]!);
        bulkCpu[k]!.push(cpu[k]! / (bulkBytes / MiB));
        process.stderr.write(
          `round ${round + 1}/${flags.rounds}: ${labels[k].padEnd(26)} RTT median ${us(median(samples[k]!))}, bulk ${formatBytes(bulkBytes)} at ${gbps(bulkBytes, ms[k]!)}, server CPU ${bulkCpu[k]!.at(-1)!.toFixed(0)} µs/MiB\n`,
        );
      }
    } finally {
      await Promise.all(Object.values(children).map(stopChild));
    }
  }

  // Per round medians, then the median over rounds.
  const rttMedian = (k: string): number => median(rtts[k]!.map((s) => median(s)));
  const rttP99 = (k: string): number => median(rtts[k]!.map((s) => percentile(s, 99)));
  const bulkMedian = (k: string): number => median(bulkMs[k]!);
  // Ratios are paired per round (both sides measured in the same minutes),
  // then the median is taken over rounds.
  const paired = (f: (i: number) => number): number => median(Array.from({ length: flags.rounds }, (_, i) => f(i)));
  const latencyRatio = paired((i) => median(rtts.connlab![i]!) / median(rtts.pipe![i]!));
  const throughputRatio = paired((i) => bulkMs.pipe![i]! / bulkMs.connlab![i]!);
  const cpuRatio = paired((i) => bulkCpu.connlab![i]! / bulkCpu.pipe![i]!);

  // The paced path, for scale: every 16 bytes is one write().
  const paced = await startChild('connlab-16');
  const pacedBytes = Math.min(bulkBytes, 16 * MiB);
  let pacedMs: number;
  try {
    const socket = await connect(paced.port);
    pacedMs = await bulk(socket, pacedBytes, writeSize);
    await closeSocket(socket);
  } finally {
    await stopChild(paced);
  }

  console.log(
    `\n@connlab/echo vs plain echo — loopback, server in a child process, Node ${process.version}, median of ${flags.rounds} rounds of 8 interleaved slices (ratios: median of per-round pairs)${pinned ? '; client pinned to CPU 0, servers to CPU 1' : ''}\n`,
  );
  console.log(
    table(
      ['measure', labels.pipe, labels.connlab, 'ratio', 'target', 'met'],
      [
        [
          `1-byte ping-pong RTT, median (${pings} per round)`,
          us(rttMedian('pipe')),
          us(rttMedian('connlab')),
          ratio(latencyRatio),
          `≤ ${LATENCY_TARGET.toFixed(2)}×`,
          latencyRatio <= LATENCY_TARGET ? 'yes' : 'NO',
        ],
        ['1-byte ping-pong RTT, p99', us(rttP99('pipe')), us(rttP99('connlab')), ratio(rttP99('connlab') / rttP99('pipe')), '', ''],
        [
          `bulk ${formatBytes(bulkBytes)} in 64 KiB writes`,
          gbps(bulkBytes, bulkMedian('pipe')),
          gbps(bulkBytes, bulkMedian('connlab')),
          ratio(throughputRatio),
          `≥ ${BULK_TARGET.toFixed(2)}×`,
          throughputRatio >= BULK_TARGET ? 'yes' : 'NO',
        ],
        [
          'server CPU per MiB echoed (bulk)',
          `${median(bulkCpu.pipe!).toFixed(0)} µs`,
          `${median(bulkCpu.connlab!).toFixed(0)} µs`,
          ratio(cpuRatio),
          '',
          '',
        ],
      ],
    ).join('\n'),
  );
  console.log(
    `\n${labels['connlab-16']}: ${formatBytes(pacedBytes)} echoed at ${gbps(pacedBytes, pacedMs)} (one write per 16 bytes; for the lesson, not for speed)`,
  );

  console.log(
    `\nslow reader: the client sends ${formatBytes(slowBytes)} as fast as the server accepts it and reads the echo at ${flags.slowRate} MiB/s\n`,
  );
  const rows: (string | number)[][] = [];
  for (const k of ['connlab', 'naive'] as const) {
    const child = await startChild(k);
    try {
      process.stderr.write(`slow reader: ${labels[k]}\n`);
      const r = await slowReader(child, slowBytes, flags.slowRate * MiB);
      rows.push([
        labels[k],
        formatBytes(r.baseline),
        formatBytes(r.peakRss),
        formatBytes(r.peakRss - r.baseline),
        formatBytes(r.peakBuffered),
        `${(r.ms / 1000).toFixed(1)} s`,
      ]);
    } finally {
      await stopChild(child);
    }
  }
  console.log(table(['server', 'RSS before', 'peak RSS', 'growth', 'peak unsent echo', 'time'], rows).join('\n'));
});
