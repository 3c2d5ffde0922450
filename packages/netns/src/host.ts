// Where a lab's commands run. As root: directly on the host. Rootless: inside
// a user namespace that a small holder process owns.
//
// Why a holder plus nsenter rather than re-executing the whole program under
// `unshare -Urnm`: the caller (a lesson, the tour, a test) stays in the host's
// network namespace, so its loopback servers and /proc/net/tcp are the ones it
// expects, and only the lab's commands and children enter the user namespace.
// No syscall wrappers are needed (unshare and nsenter are util-linux, present
// wherever `ip` is), and killing the holder frees every namespace of the lab:
// the named namespaces are bind mounts in its private mount namespace.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { NetnsMode } from './availability.js';
import { NetnsCommandError } from './errors.js';

/** The command prefix that puts a command where the lab's namespaces live. */
export interface LabHost {
  readonly mode: Exclude<NetnsMode, 'unavailable'>;
  /** Pid of the rootless holder (undefined as root). */
  readonly pid?: number;
  /** `[file, args]` to run `file args…` in the lab's context (a user namespace when rootless). */
  command(file: string, args: readonly string[]): [string, string[]];
  /** End the holder (rootless): the namespaces it holds disappear with it. */
  closeSync(): void;
}

export const rootHost: LabHost = {
  mode: 'root',
  command: (file, args) => [file, [...args]],
  closeSync: () => undefined,
};

/**
 * Start a holder: `unshare -Urnm` (a user namespace mapping this user to
 * root, with its own network and mount namespaces), a private tmpfs on /run
 * so `ip netns add` can keep its bind mounts there, then `cat` until its stdin
 * closes (this process ending, however it ends, closes it). Commands join it
 * with `nsenter -U -m -n --preserve-credentials` (our uid is root inside;
 * nsenter cannot switch groups because unshare -r denies setgroups).
 */
export async function openRootlessHost(): Promise<LabHost> {
  const holder: ChildProcess = spawn('unshare', ['-Urnm', 'sh', '-c', 'mount -t tmpfs tmpfs /run && echo ready && exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  holder.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      holder.kill('SIGKILL');
      reject(new NetnsCommandError(['unshare', '-Urnm'], holder.exitCode, why));
    };
    const timer = setTimeout(() => fail(`the user-namespace holder did not start within 10 s ${stderr}`), 10_000);
    holder.stdout?.setEncoding('utf8').once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    holder.once('exit', () => fail(stderr || 'the user-namespace holder exited at once'));
    holder.once('error', (error) => fail(error.message));
  });
  holder.removeAllListeners('exit');
  // The holder must not keep this process alive, nor outlive it.
  holder.unref();
  for (const stream of [holder.stdin, holder.stdout, holder.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
  const pid = String(holder.pid);
  return {
    mode: 'rootless',
    pid: holder.pid,
    command: (file, args) => ['nsenter', ['-t', pid, '-U', '-m', '-n', '--preserve-credentials', file, ...args]],
    closeSync: () => {
      if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
    },
  };
}
