// Fixtures for the CLI tests: the program in-process with captured output,
// and the real bin as a child process.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { stripVTControlCharacters } from 'node:util';
import { afterEach } from 'vitest';
import { until } from '@connlab/lab';
import type { LoopbackServer } from '@connlab/lab';
import { runCli } from '../src/program.js';

export const packageDir = fileURLToPath(new URL('..', import.meta.url));
export const mainTs = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** The program run in this process, its output captured as text. */
export class InProcess {
  stdout = '';
  stderr = '';
  readonly stop = new AbortController();
  readonly done: Promise<number>;

  constructor(argv: readonly string[]) {
    this.done = runCli(argv, {
      stdout: (t) => {
        this.stdout += stripVTControlCharacters(t);
      },
      stderr: (t) => {
        this.stderr += stripVTControlCharacters(t);
      },
      signal: this.stop.signal,
    });
  }

  lines(): string[] {
    return this.stdout.split('\n').filter(Boolean);
  }

  /** The first stdout line of a server: "listening on HOST:PORT" or "listening on http://HOST:PORT". */
  async listening(): Promise<{ line: string; port: number; url: string }> {
    const line = await until('a "listening on" line', () => this.lines()[0]);
    const m = /^listening on ((?:http:\/\/)?(?:[\d.]+|\[[^\]]+\]):(\d+))$/.exec(line);
    if (!m) throw new Error(`first line is not "listening on …": ${line}`);
    return { line, port: Number(m[2]), url: m[1]! };
  }

  /** Ask a server to shut down (what Ctrl-C does in the bin) and wait for its exit code; repeatable. */
  async shutdown(): Promise<number> {
    this.stop.abort();
    return this.done;
  }
}

/** Run the program in-process to completion. */
export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = new InProcess(argv);
  const code = await run.done;
  return { code, stdout: run.stdout, stderr: run.stderr };
}

/** The real bin, as a child process (node --import tsx src/main.ts, like its shebang). */
export class Spawned {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(argv: readonly string[], command: string = process.execPath, prefix: readonly string[] = ['--import', 'tsx', mainTs]) {
    this.child = spawn(command, [...prefix, ...argv], { cwd: packageDir, env: { ...process.env, NO_COLOR: '1' } });
    this.child.stdout.setEncoding('utf8').on('data', (t: string) => {
      this.stdout += t;
    });
    this.child.stderr.setEncoding('utf8').on('data', (t: string) => {
      this.stderr += t;
    });
    this.exited = new Promise((resolve) => this.child.once('close', (code, signal) => resolve({ code, signal })));
  }

  lines(): string[] {
    return this.stdout.split('\n').filter(Boolean);
  }

  async firstLine(): Promise<string> {
    return until(`the first line of connlab (stderr so far: ${this.stderr.trim() || 'none'})`, () => this.lines()[0], 20_000);
  }

  /** Make sure the child is gone (afterEach). */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Run the real bin to completion. */
export async function spawnCli(...argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = new Spawned(argv);
  const { code } = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr };
}

/**
 * Everything a test starts, closed after each test: in-process commands are
 * shut down (abort + wait), children killed, sockets destroyed, servers closed.
 */
export function useCleanup(): {
  inProcess: (argv: readonly string[]) => InProcess;
  spawned: (argv: readonly string[]) => Spawned;
  socket: (s: net.Socket) => net.Socket;
  server: (s: LoopbackServer) => LoopbackServer;
} {
  const running: InProcess[] = [];
  const children: Spawned[] = [];
  const sockets: net.Socket[] = [];
  const servers: LoopbackServer[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(running.splice(0).map((r) => r.shutdown()));
    await Promise.all(children.splice(0).map((c) => c.kill()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const keep =
    <T>(list: T[]) =>
    (item: T): T => {
      list.push(item);
      return item;
    };
  return {
    inProcess: (argv) => keep(running)(new InProcess(argv)),
    spawned: (argv) => keep(children)(new Spawned(argv)),
    socket: keep(sockets),
    server: keep(servers),
  };
}

export { closedPort, until } from '@connlab/lab';
