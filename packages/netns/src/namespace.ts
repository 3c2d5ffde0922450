// One network namespace: run commands in it, set its sysctls, start Node children in it.
import { spawn } from 'node:child_process';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NamespaceChild } from './child.js';
import { runCommand } from './command.js';
import type { CommandOptions, CommandOutput } from './command.js';
import { trackChild } from './cleanup.js';
import { rootHost } from './host.js';
import type { LabHost } from './host.js';

export interface SpawnOptions {
  /** Extra environment variables (merged over process.env). */
  env?: Record<string, string>;
  /** Working directory (default: the parent's). */
  cwd?: string;
}

export interface SpawnNodeOptions extends SpawnOptions {
  /**
   * Module passed to `node --import` so TypeScript scripts run (default: tsx,
   * resolved from this package). Set to `false` for plain `.js`/`.mjs` scripts.
   */
  loader?: string | false;
  /** Extra flags for node itself, before the script (e.g. `--expose-gc`). */
  nodeArgs?: readonly string[];
}

let tsxUrl: string | undefined;
function defaultLoader(): string {
  tsxUrl ??= pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return tsxUrl;
}

/**
 * A live network namespace created by {@link withNamespaces}. Everything it
 * starts is killed, and the namespace deleted, when the lab ends.
 */
export class Namespace {
  private readonly children = new Set<ChildProcess>();

  constructor(
    /** The logical name from the spec, e.g. `client`. */
    readonly label: string,
    /** The real name, as `ip netns list` shows it, e.g. `cl-4242-1-client`. */
    readonly name: string,
    /** Where commands run: the host as root, the lab's user namespace rootless. */
    private readonly host: LabHost = rootHost,
  ) {}

  /** `root`, or `rootless` when the namespace lives in a user namespace this process created. */
  get mode(): LabHost['mode'] {
    return this.host.mode;
  }

  /**
   * Run a command inside the namespace (`ip netns exec NAME file args…`) and
   * collect its output; rejects with NetnsCommandError on a non-zero exit.
   *
   * @example
   * ```ts
   * const { stdout } = await ns.exec('ss', ['-tan']);
   * ```
   */
  exec(file: string, args: readonly string[] = [], options?: CommandOptions): Promise<CommandOutput> {
    return runCommand(...this.host.command('ip', ['netns', 'exec', this.name, file, ...args]), options);
  }

  /** Run `ip -n NAME args…` (e.g. `['link', 'set', 'v0-server', 'down']`). */
  ip(args: readonly string[]): Promise<CommandOutput> {
    return runCommand(...this.host.command('ip', ['-n', this.name, ...args]));
  }

  /**
   * Read one sysctl of this namespace, e.g. `net.ipv4.ip_local_port_range`
   * (whitespace inside the value is collapsed to one space).
   */
  async sysctl(key: string): Promise<string> {
    const { stdout } = await this.exec('sysctl', ['-n', key]);
    return stdout.trim().replace(/\s+/g, ' ');
  }

  /** Set one sysctl of this namespace only; the host's value is untouched. */
  async setSysctl(key: string, value: string | number): Promise<void> {
    await this.exec('sysctl', ['-q', '-w', `${key}=${String(value)}`]);
  }

  /** Bring a device in this namespace up or down (`ip link set DEV up|down`). */
  async setLink(device: string, state: 'up' | 'down'): Promise<void> {
    await this.ip(['link', 'set', 'dev', device, state]);
  }

  /**
   * Start any program inside the namespace. The process is tracked: it is
   * killed when the lab ends, or on SIGINT/SIGTERM/exit of this process.
   */
  spawn(file: string, args: readonly string[] = [], options: SpawnOptions & { stdio?: StdioOptions } = {}): ChildProcess {
    // `ip netns exec` (and nsenter before it, rootless) setns() and then exec
    // the program, so the pid and inherited file descriptors (including
    // Node's IPC channel) are the program's own.
    const [command, commandArgs] = this.host.command('ip', ['netns', 'exec', this.name, file, ...args]);
    const child = spawn(command, commandArgs, {
      stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    trackChild(child);
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** SIGKILL every process started in this namespace and wait until they are gone. */
  async killChildren(): Promise<void> {
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) {
              resolve();
              return;
            }
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
  }

  /**
   * Start a Node script inside the namespace with an IPC channel back to this
   * process. A socket lives in the namespace of the process that created it,
   * so a server or client started here talks over this namespace's links.
   *
   * @example
   * ```ts
   * const peer = ns.spawnNode(new URL('./peer-child.ts', import.meta.url), ['--port', '7000']);
   * await peer.nextMessage((m) => (m as { type?: string }).type === 'listening');
   * ```
   */
  spawnNode(script: string | URL, args: readonly string[] = [], options: SpawnNodeOptions = {}): NamespaceChild {
    const path = script instanceof URL ? fileURLToPath(script) : script;
    const loader = options.loader === undefined ? defaultLoader() : options.loader;
    const nodeArgs = [...(loader === false ? [] : ['--import', loader]), ...(options.nodeArgs ?? [])];
    const child = this.spawn(process.execPath, [...nodeArgs, path, ...args], {
      ...options,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    return new NamespaceChild(this.name, child);
  }
}
