// The terminal sessions of docs/cli.md, run for real: a page block
// `<!-- captured:begin session NAME -->` is filled from sessions[NAME].
// Sessions run the real bin, one process per command as in a shell, on
// 127.0.0.1 with ports from the kernel: the commands shown are the ones that
// produced the output, and Ctrl-C is a real SIGINT.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { sleep, until } from '@connlab/lab';
import { repoRoot } from '@connlab/tour/registry';
import { CaptureError } from './markers.js';
import type { CaptureRun } from './capture.js';

// The bin as the workspace runs it (packages/cli's "bin"), started by path: this tool runs it, it does not import it.
const cliDir = join(repoRoot, 'packages', 'cli');
const mainTs = join(cliDir, 'src', 'main.ts');

/** Quote a word the way a shell would need it. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** One terminal window: the commands typed into it and everything they printed, in order. */
class Terminal {
  text = '';

  /** The real bin, as `npx connlab` runs it (node --import tsx src/main.ts). */
  private spawn(argv: readonly string[]): ChildProcess {
    this.text += `$ connlab ${argv.map(shellWord).join(' ')}\n`;
    const child = spawn(process.execPath, ['--import', 'tsx', mainTs, ...argv], { cwd: cliDir, env: { ...process.env, NO_COLOR: '1' } });
    const write = (t: Buffer): void => {
      this.text += stripVTControlCharacters(t.toString('utf8'));
    };
    child.stdout.on('data', write);
    child.stderr.on('data', write);
    return child;
  }

  private static exit(child: ChildProcess): Promise<number> {
    return new Promise((resolve) => child.once('close', (code) => resolve(code ?? 128)));
  }

  /** Run a command to completion; a non-zero exit is shown as the shell's `echo $?` would. */
  async run(...argv: string[]): Promise<number> {
    const code = await Terminal.exit(this.spawn(argv));
    if (code !== 0) this.text += `$ echo $?\n${code}\n`;
    return code;
  }

  /** Start a server; resolves with the port from its first line. Stop it with the returned function (Ctrl-C). */
  async start(...argv: string[]): Promise<{ port: number; stop: () => Promise<void> }> {
    const from = this.text.length;
    const child = this.spawn(argv);
    const exited = Terminal.exit(child);
    const port = await until(`${argv.join(' ')} to listen`, () => {
      const m = /^listening on \S+:(\d+)$/m.exec(this.text.slice(from));
      return m ? Number(m[1]) : undefined;
    });
    return {
      port,
      stop: async () => {
        this.text += '^C\n';
        child.kill('SIGINT');
        const code = await exited;
        if (code !== 0) throw new CaptureError(`session: connlab ${argv.join(' ')} exited ${code} after Ctrl-C`);
      },
    };
  }

  /** Wait until the terminal shows `pattern`. */
  async shows(pattern: RegExp): Promise<void> {
    await until(String(pattern), () => (pattern.test(this.text) ? true : undefined));
  }
}

const message = 'This is a Message, to be sent for a test.';

/** Each session returns one or more terminals' text, shown as separate blocks. */
export const sessions: Record<string, () => Promise<string[]>> = {
  async echo() {
    const server = new Terminal();
    const client = new Terminal();
    const { port, stop } = await server.start('echo', 'serve', '--port', '0', '--read-size', '16');
    await client.run('echo', 'send', message, '--port', String(port));
    await server.shows(/#1 closed/);
    await stop();
    return [server.text, client.text];
  },

  async http() {
    const server = new Terminal();
    const client = new Terminal();
    const { port, stop } = await server.start('http', 'serve', '--port', '0', '--keep-alive-timeout', '2000', '--max-requests', '3');
    const url = `http://127.0.0.1:${port}/`;
    await client.run('http', 'get', url);
    await client.run('http', 'get', `${url}hello`, '--timing', '--repeat', '3');
    await server.shows(/#2 closed: max-requests/);
    await stop();
    return [server.text, client.text];
  },

  async idle() {
    const server = new Terminal();
    const { port, stop } = await server.start('http', 'serve', '--port', '0', '--keep-alive-timeout', '1000');
    // A client that keeps its connection open after one response (what a browser does),
    // so the server's idle timer is what ends it.
    const socket = net.connect(port, '127.0.0.1');
    socket.on('data', () => undefined).on('error', () => undefined);
    socket.write('GET /page HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await server.shows(/#1 closed: idle-timeout/);
    socket.destroy();
    await stop();
    return [server.text];
  },

  async pipeline() {
    const server = new Terminal();
    const client = new Terminal();
    const { port, stop } = await server.start('http', 'serve', '--port', '0', '--echo');
    await client.run('http', 'get', `http://127.0.0.1:${port}/p`, '--pipeline', '3', '--timing');
    await server.shows(/closed: client-close/);
    await stop();
    return [client.text];
  },

  async relay() {
    const server = new Terminal();
    const relay = new Terminal();
    const client = new Terminal();
    const http = await server.start('http', 'serve', '--port', '0');
    const shaped = await relay.start('relay', '--to', `127.0.0.1:${http.port}`, '--listen', '0', '--latency', '50');
    await client.run('http', 'get', `http://127.0.0.1:${shaped.port}/`, '--timing', '--repeat', '2');
    await relay.shows(/#1 closed/);
    await shaped.stop();
    const cut = await relay.start(
      'relay',
      '--to',
      `127.0.0.1:${http.port}`,
      '--listen',
      '0',
      '--reset-after',
      '20',
      '--direction',
      'downstream',
    );
    await client.run('http', 'get', `http://127.0.0.1:${cut.port}/`);
    await relay.shows(/#1 reset both sides/);
    await cut.stop();
    await http.stop();
    return [relay.text, client.text];
  },

  async sockets() {
    const server = new Terminal();
    const client = new Terminal();
    const { port, stop } = await server.start('http', 'serve', '--port', '0');
    await client.run('http', 'get', `http://127.0.0.1:${port}/`, '--repeat', '2');
    client.text = '';
    await sleep(100);
    await client.run('sockets', '--port', String(port));
    await client.run('sockets', '--state', 'listen', '--port', String(port));
    await stop();
    return [client.text];
  },

  async 'tcp-info'() {
    const server = new Terminal();
    const client = new Terminal();
    const { port, stop } = await server.start('echo', 'serve', '--port', '0');
    await client.run('tcp-info', `127.0.0.1:${port}`);
    const plain = client.text;
    client.text = '';
    await client.run('tcp-info', `127.0.0.1:${port}`, '--nodelay', '--keepalive', '60000');
    const set = client.text.split('\n');
    await stop();
    return [
      plain,
      set
        .slice(0, 1)
        .concat(set.slice(set.indexOf('read back with getsockopt')))
        .join('\n'),
    ];
  },

  async trace() {
    const shell = new Terminal();
    const dir = join(tmpdir(), 'connlab-captures');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    try {
      // The packets: lesson 09 run in a lab namespace with its loopback captured (its own printout is not shown).
      execFileSync(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'apps', '09-keep-alive-timeout', 'src', 'main.ts'), '--quick', '--capture', dir],
        { cwd: repoRoot, stdio: 'ignore', timeout: 120_000 },
      );
      const pcap = join(dir, '09-keep-alive-timeout.pcap');
      await shell.run('trace', pcap, '--connection', '0');
      const cut = join(dir, 'cut.pcap');
      const whole = readFileSync(pcap);
      writeFileSync(cut, whole.subarray(0, whole.length - 7));
      await shell.run('trace', cut);
      await shell.run('trace', '../../README.md');
      return [shell.text];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },

  async errors() {
    const shell = new Terminal();
    const free = net.createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const { port } = free.address() as net.AddressInfo;
    await new Promise((resolve) => free.close(resolve));
    await shell.run('echo', 'send', 'hello', '--port', String(port));
    await shell.run('http', 'serve', '--port', '70000');
    await shell.run('relay', '--to', 'localhost', '--latency', '50');
    await shell.run('relay', '--to', '127.0.0.1:8080', '--bandwidth', '10mbps');
    await shell.run('http', 'get', 'http://127.0.0.1:8080/', '--pipline', '4');
    return [shell.text];
  },
};

/**
 * Run one session; its terminals become the block's fenced blocks.
 *
 * @example
 * const run = await runSession('echo'); // run.terminals: [server, client]
 */
export async function runSession(name: string): Promise<CaptureRun> {
  const session = Object.hasOwn(sessions, name) ? sessions[name] : undefined;
  if (!session) throw new CaptureError(`no session "${name}"; the sessions are ${Object.keys(sessions).join(', ')}`);
  const terminals = await session();
  return { command: `session ${name}`, output: terminals.join('\n'), terminals, exitCode: 0, signal: null };
}
