// The apps as a learner runs them: separate processes, flags, exit codes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const tsx = createRequire(import.meta.url).resolve('tsx');
const app = (name: string): string => fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function start(name: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', tsx, app(name), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

async function runApp(name: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = start(name, args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** Resolves with the first stdout line matching `pattern`. */
function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      const match = pattern.exec(buffered);
      if (match) resolve(match);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing ${pattern}; got: ${buffered}`)));
  });
}

describe('01-echo apps', () => {
  it.each([
    ['server', ['--port', 'abc'], /^01-echo server: --port must be a number, got "abc" \(try --help\)$/],
    ['client', ['--port', 'abc'], /^01-echo client: --port must be a number, got "abc" \(try --help\)$/],
    ['client', ['--port', '0'], /^01-echo client: --port 0 only makes sense for a server/],
    ['server', ['--read-size', 'x'], /^01-echo server: --read-size must be a number/],
  ])('%s %j prints one line and exits 2', async (name, args, message) => {
    const { code, stdout, stderr } = await runApp(name, args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr.trimEnd()).toMatch(message);
  });

  it('client against a closed port prints one ECONNREFUSED line and exits 1', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));

    const { code, stderr } = await runApp('client', ['--port', String(port)]);
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`cannot connect to 127.0.0.1:${port}: ECONNREFUSED`);
  });

  it('server on port 0 and client in two processes: 16-byte pieces logged, every byte counted back', async () => {
    const server = start('server', ['--port', '0']);
    let serverOut = '';
    server.stdout?.on('data', (d: Buffer) => (serverOut += d.toString()));
    const [, port] = await waitForLine(server, /starting up on 127\.0\.0\.1 port (\d+)/);

    const client = await runApp('client', ['--port', port!]);
    expect(client.code).toBe(0);
    expect(client.stdout).toContain('received "nt all." (103 of 103 bytes)');
    expect(client.stdout).toContain('the server closed its side too');

    const once1 = await runApp('client', ['--port', port!, '--read-once']);
    expect(once1.code).toBe(0);
    const got = Number(/\((\d+) of 103 bytes in one read\)/.exec(once1.stdout)?.[1]);
    expect(got).toBeGreaterThanOrEqual(1);
    expect(got).toBeLessThanOrEqual(103);

    server.kill('SIGINT');
    const [code] = (await once(server, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(serverOut).toContain('received "This is a Messag" (16 bytes)');
    expect(serverOut).toMatch(/no data from 127\.0\.0\.1:\d+/);
    expect(serverOut).toContain('served 2 connections, 206 bytes in, 206 bytes out');
  });
});
