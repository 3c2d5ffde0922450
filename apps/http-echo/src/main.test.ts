import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.ts');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children) c.kill('SIGTERM');
  children.length = 0;
});

function startApp(args: string[]): Promise<{ child: ChildProcess; first: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => reject(new Error(`exited ${String(code)}: ${err}`)));
    const lines = createInterface({ input: child.stdout });
    void lines[Symbol.asyncIterator]()
      .next()
      .then((line) => resolve({ child, first: String(line.value) }));
  });
}

it('prints its bound address on the first line and echoes requests as JSON', async () => {
  const { first } = await startApp(['--port', '0']);
  const match = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(first);
  expect(match).not.toBeNull();
  const res = await fetch(`${match![1]!}/hello?x=1`, { method: 'POST', body: 'hi', headers: { 'X-A': ' padded ' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json');
  const text = await res.text();
  expect(text.startsWith('{"method": "POST", "url": "/hello?x=1", "version": "1.1", "headers": {"host": ')).toBe(true);
  expect(JSON.parse(text)).toMatchObject({ method: 'POST', url: '/hello?x=1', body: 'hi', trailers: {}, headers: { 'x-a': 'padded' } });
});

it('rejects a bad flag with a one-line usage error and exit code 2', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', main, '--port', 'nope'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise((r) => child.once('exit', r));
  expect(code).toBe(2);
  expect(err.trim()).toMatch(/^connlab: option '--port <port>' argument 'nope' is invalid/);
});
