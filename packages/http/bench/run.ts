// npm run bench: @connlab/http vs node:http (and a parser-less net floor, and
// uWebSockets.js when it can be had) with the same hello-world handler and the
// same load generator, in one run, each ratio beside its target.
//
// Each server runs in its own process pinned to core 0; wrk runs on core 1
// (taskset), one thread, 50 connections. Every scenario is run BENCH_ROUNDS
// times per server, alternating servers, and the best run counts, because the
// machine is shared and a run can lose its core to something else.
//
// uWebSockets.js (the fastest HTTP server Node can load, C++) is an optional
// row: its npm build (uws-pack, 48 MB for every platform) is installed on
// demand into node_modules/.cache/connlab-bench-peers, pinned, so `npm ci`
// never downloads it; when that fails the bench says why in one line and goes
// on without it. BENCH_UWS=0 leaves it out.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { sleep } from '@connlab/lab';
import { PARSER_CASES, parserBench } from './parser.js';
import { handleIoAvailable } from '../src/server/handle-io.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const IDLE_CONNECTIONS = Number(process.env.BENCH_IDLE ?? 10_000);
const CONNECTIONS = 50;

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const HAVE_WRK = has('wrk');
const PIN = os.availableParallelism() >= 2 && has('taskset');
const pinned = (core: number, argv: string[]): string[] => (PIN ? ['taskset', '-c', String(core), ...argv] : argv);

type Kind = 'node' | 'connlab' | 'net' | 'uws';
const LABEL: Record<Kind, string> = {
  node: 'node:http',
  connlab: '@connlab/http',
  net: 'plain net (no parser)',
  uws: 'uWebSockets.js',
};

// Issue 16's targets, as ratios to node:http measured in the same run.
const TARGET: Record<Scenario, number> = { 'keep-alive': 2.2, close: 1.3, pipelined: 8 };
const RSS_TARGET = 4096; // bytes of RSS per idle keep-alive connection, at 10 000 connections

const UWS_PACKAGE = 'uws-pack';
const UWS_VERSION = '20.0.8'; // MIT; wraps uWebSockets.js v20 (its dist/bin has the Node 20, 22 ABI builds)
const PEERS = path.join(here, '../../../node_modules/.cache/connlab-bench-peers');

/**
 * The uWebSockets.js module file, installed on demand (pinned version, npm's
 * own client, into a cache directory) — or null, with the reason printed.
 */
function findUws(): string | null {
  if (process.env.BENCH_UWS === '0') {
    console.log('uWebSockets.js row: left out (BENCH_UWS=0)');
    return null;
  }
  const dir = path.join(PEERS, 'node_modules', UWS_PACKAGE);
  const installed = (): boolean => {
    try {
      return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version === UWS_VERSION;
    } catch {
      return false;
    }
  };
  if (!installed()) {
    process.stderr.write(`… installing ${UWS_PACKAGE}@${UWS_VERSION} (48 MB, once) into ${path.relative(process.cwd(), PEERS)}\n`);
    const r = spawnSync(
      'npm',
      ['install', '--prefix', PEERS, `${UWS_PACKAGE}@${UWS_VERSION}`, '--no-save', '--no-audit', '--no-fund', '--loglevel=error'],
      { encoding: 'utf8', timeout: 300_000 },
    );
    if (r.status !== 0 || !installed()) {
      // npm's most telling line: "npm error code E…" (or its first error line), not the pointer to its log.
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('npm error') && !/complete log/.test(l));
      const why =
        r.error?.message ?? lines.find((l) => /FetchError|code E|404|ETARGET/.test(l)) ?? lines[0] ?? `npm exited with ${String(r.status)}`;
      console.log(`uWebSockets.js row: skipped (npm install ${UWS_PACKAGE}@${UWS_VERSION} failed: ${why})`);
      return null;
    }
  }
  const module = path.join(dir, 'dist', 'index.mjs');
  if (!existsSync(module)) {
    console.log(`uWebSockets.js row: skipped (${UWS_PACKAGE}@${UWS_VERSION} has no dist/index.mjs)`);
    return null;
  }
  return module;
}

interface Started {
  proc: ChildProcess;
  port: number;
  lines: AsyncIterator<string>;
}

async function startServer(kind: Kind, env: Record<string, string> = {}, flags: string[] = []): Promise<Started> {
  const argv = pinned(0, [process.execPath, ...flags, '--import', 'tsx', path.join(here, 'hello-server-child.ts'), kind]);
  const uws = kind === 'uws' && UWS_MODULE ? { UWS_MODULE } : {};
  // uWebSockets.js's load error goes to the reason line, not to the terminal.
  const stderr = kind === 'uws' ? 'pipe' : 'inherit';
  const proc = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...uws, ...env }, stdio: ['ignore', 'pipe', stderr] });
  let errors = '';
  proc.stderr?.on('data', (d: Buffer) => (errors += d.toString()));
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  const port = Number(first.value);
  if (first.done || !Number.isInteger(port) || port <= 0) {
    await stop(proc);
    const why =
      errors
        .trim()
        .split('\n')
        .find((l) => /Error/.test(l)) ??
      errors.trim().split('\n')[0] ??
      '';
    throw new Error(`${LABEL[kind]} server did not print its port${why ? `: ${why}` : ''}`);
  }
  return { proc, port, lines };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const done = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await done;
}

function run(argv: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('exit', () => resolve(out));
  });
}

type Scenario = 'keep-alive' | 'close' | 'pipelined';
const SCENARIOS: { name: Scenario; label: string }[] = [
  { name: 'keep-alive', label: `keep-alive, ${CONNECTIONS} connections` },
  { name: 'close', label: `Connection: close, ${CONNECTIONS} connections` },
  { name: 'pipelined', label: `pipelined depth 10, ${CONNECTIONS} connections` },
];

interface Load {
  rps: number;
  errors: string;
  cpuUsPerRequest: number;
}

/** CPU time (user + system) a process has used, in ms, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${String(pid)}/stat`, 'utf8')
      .split(') ')[1]!
      .split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime in USER_HZ (100, man 5 proc)
  } catch {
    return NaN;
  }
}

async function load(port: number, scenario: Scenario, pid?: number): Promise<Load> {
  const before = cpuMs(pid);
  const t0 = performance.now();
  const r = await generate(port, scenario);
  const seconds = (performance.now() - t0) / 1000;
  // Server CPU per request: less sensitive than req/s to other work on a shared machine.
  return { ...r, cpuUsPerRequest: ((cpuMs(pid) - before) * 1000) / (r.rps * seconds) };
}

async function generate(port: number, scenario: Scenario): Promise<Omit<Load, 'cpuUsPerRequest'>> {
  const url = `http://127.0.0.1:${port}/`;
  const seconds = scenario === 'close' ? Math.max(1, SECONDS - 1) : SECONDS; // fewer TIME_WAIT sockets
  if (HAVE_WRK) {
    const args = ['wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`];
    if (scenario === 'close') args.push('-H', 'Connection: close');
    if (scenario === 'pipelined') args.push('-s', path.join(here, 'pipeline.lua'));
    const out = await run(pinned(1, [...args, url]), { DEPTH: '10' });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
    const errors = [/Socket errors:.*/.exec(out)?.[0], /Non-2xx.*/.exec(out)?.[0]].filter(Boolean).join('; ');
    if (!Number.isFinite(rps)) throw new Error(`wrk printed no rate:\n${out}`);
    return { rps, errors };
  }
  // Fallback: autocannon in this process. It tops out near 90k req/s on 2 cores, below
  // what the lighter servers serve, so its ratios are load-bound (said in the output).
  const { default: autocannon } = await import('autocannon');
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    pipelining: scenario === 'pipelined' ? 10 : 1,
    headers: scenario === 'close' ? { connection: 'close' } : {},
  });
  return { rps: r.requests.average, errors: r.errors || r.non2xx ? `errors ${r.errors}, non-2xx ${r.non2xx}` : '' };
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function throughput(kinds: Kind[]): Promise<Record<Scenario, Partial<Record<Kind, Load>>>> {
  const best = {} as Record<Scenario, Partial<Record<Kind, Load>>>;
  const servers = new Map<Kind, Started>();
  for (const k of kinds) {
    try {
      servers.set(k, await startServer(k));
    } catch (error) {
      if (k !== 'uws') throw error;
      // The optional row: one line why, and the bench goes on without it.
      console.log(`uWebSockets.js row: skipped (${(error as Error).message})`);
    }
  }
  try {
    for (const { name } of SCENARIOS) {
      best[name] = {};
      for (let round = 0; round < ROUNDS; round++) {
        for (const [k, s] of servers) {
          // Warm the JIT once per server and scenario before the measured run.
          if (round === 0) await load(s.port, name).catch(() => undefined);
          const r = await load(s.port, name, s.proc.pid);
          process.stderr.write(
            `… ${name} ${LABEL[k]} round ${round + 1}: ${fmt(r.rps)} req/s, ${r.cpuUsPerRequest.toFixed(1)} µs CPU/request ${r.errors}\n`,
          );
          const prev = best[name][k];
          if (!prev || r.rps > prev.rps) best[name][k] = r;
        }
      }
    }
  } finally {
    for (const s of servers.values()) await stop(s.proc);
  }
  return best;
}

interface Memory {
  rss: number;
  heap: number;
}

async function memoryUsage(s: Started): Promise<Memory> {
  s.proc.kill('SIGUSR2');
  const line = await s.lines.next();
  const m = JSON.parse(String(line.value)) as { rss: number; heapUsed: number; external: number; arrayBuffers: number };
  return { rss: m.rss, heap: m.heapUsed + m.external };
}

function fdLimit(): number {
  const r = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) ? n : Infinity; // "unlimited"
}

async function idleMemory(count: number, kinds: Kind[]): Promise<Partial<Record<Kind, Memory>>> {
  const out: Partial<Record<Kind, Memory>> = {};
  for (const k of kinds) {
    // Long idle timeout so nothing closes while the connections are counted (uWebSockets.js: 10 s, fixed).
    let s: Started;
    try {
      s = await startServer(k, { IDLE_TIMEOUT_MS: '120000' }, ['--expose-gc']);
    } catch (error) {
      if (k !== 'uws') throw error;
      continue; // said once already, in the throughput run
    }
    try {
      await run(['curl', '-s', `http://127.0.0.1:${s.port}/`]).catch(() => '');
      const before = await memoryUsage(s);
      const clients = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(here, 'idle-clients-child.ts'), String(s.port), String(count)],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const ready = await createInterface({ input: clients.stdout })[Symbol.asyncIterator]().next();
      const open = Number(/ready (\d+)/.exec(String(ready.value))?.[1] ?? 0);
      await sleep(500);
      const after = await memoryUsage(s);
      await stop(clients);
      const m = { rss: (after.rss - before.rss) / open, heap: (after.heap - before.heap) / open };
      out[k] = m;
      process.stderr.write(`… idle memory ${LABEL[k]}: ${open} connections, ${fmt(m.rss)} B RSS and ${fmt(m.heap)} B heap each\n`);
    } finally {
      await stop(s.proc);
    }
  }
  return out;
}

const limit = fdLimit();
const idleCount = Math.min(IDLE_CONNECTIONS, Math.floor((limit - 200) / 1));
const loadBound = !HAVE_WRK;
console.log(
  `load generator: ${HAVE_WRK ? 'wrk -t1' : 'autocannon, LOAD-BOUND (wrk not installed: apt-get install wrk)'}; ` +
    `${PIN ? 'server on core 0, load on core 1 (taskset)' : 'not pinned (taskset or a second core missing)'}; ` +
    `best of ${ROUNDS} runs of ${SECONDS} s; node ${process.version}; ${os.availableParallelism()} cores; ` +
    `load average ${os.loadavg()[0]!.toFixed(1)} at start (other work on the machine lowers every req/s; the CPU-per-request table is steadier)`,
);
if (loadBound) {
  console.log(
    'note: autocannon runs in this process and cannot load these servers to saturation (it tops out near 90k req/s here), ' +
      'so every ratio below measures autocannon as much as the servers, pipelined most of all; the targets need wrk',
  );
}
// BENCH_SOCKET_IO=stream measures the server on the stream API, for comparison.
const socketIo = process.env.BENCH_SOCKET_IO === 'stream' || !handleIoAvailable ? 'stream' : 'handle';
console.log(`@connlab/http socket I/O: ${socketIo}${socketIo === 'handle' ? ' (BENCH_SOCKET_IO=stream for the stream API)' : ''}`);
const UWS_MODULE = findUws();
const kinds: Kind[] = UWS_MODULE ? ['node', 'connlab', 'net', 'uws'] : ['node', 'connlab', 'net'];
const best = await throughput(kinds);
const withUws = SCENARIOS.every(({ name }) => best[name].uws !== undefined);
const met = (ok: boolean): string => (ok ? 'yes' : loadBound ? 'no (load-bound)' : 'NO');
const ratio = (x: number): string => `${x.toFixed(2)}×`;
const rows = [
  [
    'scenario',
    'node:http req/s',
    '@connlab/http req/s',
    'ratio',
    'target',
    'met',
    'plain net req/s',
    'net/node',
    ...(withUws ? ['uWS req/s', 'uWS/node'] : []),
  ],
];
const cpuRows = [['server CPU µs per request', 'node:http', '@connlab/http', 'node/ours', 'plain net', ...(withUws ? ['uWS'] : [])]];
const verdicts: string[] = [];
for (const { name, label } of SCENARIOS) {
  const b = best[name];
  const node = b.node!;
  const ours = b.connlab!;
  const net = b.net!;
  const r = ours.rps / node.rps;
  verdicts.push(`${name} ${ratio(r)} (target ≥ ${TARGET[name]}×): ${met(r >= TARGET[name])}`);
  rows.push([
    label,
    fmt(node.rps),
    fmt(ours.rps),
    ratio(r),
    `≥ ${TARGET[name]}×`,
    met(r >= TARGET[name]),
    fmt(net.rps),
    ratio(net.rps / node.rps),
    ...(withUws ? [fmt(b.uws!.rps), ratio(b.uws!.rps / node.rps)] : []),
  ]);
  cpuRows.push([
    label,
    node.cpuUsPerRequest.toFixed(1),
    ours.cpuUsPerRequest.toFixed(1),
    ratio(node.cpuUsPerRequest / ours.cpuUsPerRequest),
    net.cpuUsPerRequest.toFixed(1),
    ...(withUws ? [b.uws!.cpuUsPerRequest.toFixed(1)] : []),
  ]);
}
console.log(`\n${pad(rows)}\n\n${pad(cpuRows)}`);
const errs = SCENARIOS.flatMap(({ name }) =>
  kinds.filter((k) => best[name][k]?.errors).map((k) => `${name}/${k}: ${best[name][k]!.errors}`),
);
if (errs.length) console.log(`errors reported by the load generator: ${errs.join(' | ')}`);
const floor = best['keep-alive'].net!.rps / best['keep-alive'].node!.rps;
if (floor < 1.6) {
  // Seen on this VM: node:http speeds up while every lighter server slows down (README, Benchmark).
  console.log(
    `note: the parser-less net server reached only ${floor.toFixed(2)}× node:http on keep-alive in this run; ` +
      'the host is in a state that compresses every ratio, so compare against that column',
  );
}

const scaled = idleCount < IDLE_CONNECTIONS ? ` (scaled down from ${IDLE_CONNECTIONS}: ulimit -n is ${limit})` : '';
const memKinds = kinds.filter((k) => k !== 'net' && (k !== 'uws' || withUws));
const mem = await idleMemory(idleCount, memKinds);
const memNode = mem.node!;
const memOurs = mem.connlab!;
console.log(`\nmemory per idle keep-alive connection, ${idleCount} connections${scaled}:`);
const uwsMem = mem.uws;
console.log(
  pad([
    ['', 'node:http', '@connlab/http', 'ratio', 'target', 'met', ...(uwsMem ? ['uWS'] : [])],
    [
      'RSS bytes',
      fmt(memNode.rss),
      fmt(memOurs.rss),
      ratio(memOurs.rss / memNode.rss),
      `≤ ${fmt(RSS_TARGET)}`,
      memOurs.rss <= RSS_TARGET ? 'yes' : 'NO',
      ...(uwsMem ? [fmt(uwsMem.rss)] : []),
    ],
    [
      'heap+external bytes',
      fmt(memNode.heap),
      fmt(memOurs.heap),
      ratio(memOurs.heap / memNode.heap),
      '',
      '',
      ...(uwsMem ? [fmt(uwsMem.heap)] : []),
    ],
  ]),
);
verdicts.push(`idle RSS ${fmt(memOurs.rss)} B per connection (target ≤ ${fmt(RSS_TARGET)} B): ${memOurs.rss <= RSS_TARGET ? 'yes' : 'NO'}`);

// The parser alone, in this process: is the strict parser what costs time?
const parserRows = [['parser alone, ns per request', '@connlab/http', 'llhttp (node:http)', 'ratio']];
for (const [name, request, perRead] of PARSER_CASES) {
  const r = parserBench(request, perRead);
  parserRows.push([
    name,
    fmt(r.ours),
    r.llhttp === null ? 'n/a' : fmt(r.llhttp),
    r.llhttp === null ? '' : `${(r.ours / r.llhttp).toFixed(2)}×`,
  ]);
}
console.log(`\n${pad(parserRows)}`);
console.log(
  `\ntargets, this run (${new Date().toISOString().slice(0, 16)}Z, load average ${os.loadavg()[0]!.toFixed(1)} at the end):\n  ${verdicts.join('\n  ')}`,
);
