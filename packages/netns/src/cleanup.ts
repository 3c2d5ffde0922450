// Process-wide record of what this process created, so that every exit path
// (normal return, thrown error, process.exit, SIGINT, SIGTERM) removes it.
// A crash that skips all of these (SIGKILL) leaves names whose pid is dead;
// sweepStaleNamespaces() removes those the next time anyone creates a lab.
import type { ChildProcess } from 'node:child_process';
import { runCommandSync } from './command.js';
import type { LabHost } from './host.js';

// Each namespace with the host it lives in (rootless: a user namespace's holder).
const liveNamespaces = new Map<string, LabHost>();
const liveHosts = new Set<LabHost>();
const liveChildren = new Set<ChildProcess>();
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

function onSignal(signal: NodeJS.Signals): void {
  cleanupAllSync();
  uninstall();
  // We replaced the default action (exit); if nobody else listens, restore it by re-raising.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function onExit(): void {
  cleanupAllSync();
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of signals) process.on(s, onSignal);
  process.on('exit', onExit);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const s of signals) process.off(s, onSignal);
  process.off('exit', onExit);
}

function maybeUninstall(): void {
  if (liveNamespaces.size === 0 && liveChildren.size === 0 && liveHosts.size === 0) uninstall();
}

export function trackNamespace(name: string, host: LabHost): void {
  liveNamespaces.set(name, host);
  install();
}

/** A rootless lab's holder: ended on every exit path, which frees its namespaces. */
export function trackHost(host: LabHost): void {
  liveHosts.add(host);
  install();
}

export function untrackHost(host: LabHost): void {
  liveHosts.delete(host);
  maybeUninstall();
}

export function untrackNamespace(name: string): void {
  liveNamespaces.delete(name);
  maybeUninstall();
}

export function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  install();
  child.once('exit', () => {
    liveChildren.delete(child);
    maybeUninstall();
  });
}

/** Kill every tracked child and delete every tracked namespace, synchronously. */
export function cleanupAllSync(): void {
  for (const child of liveChildren) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  liveChildren.clear();
  for (const [name, host] of liveNamespaces) runCommandSync(...host.command('ip', ['netns', 'delete', name]));
  liveNamespaces.clear();
  for (const host of liveHosts) host.closeSync();
  liveHosts.clear();
}

/** Namespaces this process has created and not yet deleted (for tests and diagnostics). */
export function trackedNamespaces(): string[] {
  return [...liveNamespaces.keys()];
}
