// Namespace names are `cl-<pid>-<n>-<label>`: unique per process, and the pid
// tells a later run whether the creator is still alive.
import { runCommand } from './command.js';

const PREFIX = 'cl';
let counter = 0;

/** A fresh namespace name for a logical label. */
export function namespaceName(label: string): string {
  counter += 1;
  return `${PREFIX}-${process.pid}-${counter}-${label}`;
}

const ours = /^cl-(\d+)-\d+-[a-z0-9-]+$/;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means it exists but belongs to someone else: alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Names of all namespaces on the machine (`ip netns list`, first word per line). */
export async function listNamespaces(): Promise<string[]> {
  const { stdout } = await runCommand('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

/**
 * Delete namespaces named by this package whose creating process is gone
 * (it was SIGKILLed or crashed before cleaning up). Returns the names removed.
 */
export async function sweepStaleNamespaces(): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await listNamespaces()) {
    const pid = Number(ours.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    try {
      await runCommand('ip', ['netns', 'delete', name]);
      removed.push(name);
    } catch {
      // Someone else removed it first: fine.
    }
  }
  return removed;
}
