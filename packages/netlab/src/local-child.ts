// A Node child in this machine's own namespace, with the same message API as
// the namespace children, for servers that must not share the measuring
// process's event loop (in-process, the server's accept work would be timed
// as part of the client's connect).
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NamespaceChild } from '@connlab/netns';

let tsx: string | undefined;

/**
 * Start `script` (TypeScript through tsx, or JavaScript) with an IPC channel.
 * The child should exit when the channel closes (`process.on('disconnect')`),
 * so it never outlives this process.
 *
 * @example
 * const server = spawnLocalNode(new URL('./server-child.ts', import.meta.url), ['127.0.0.1']);
 * const { port } = await server.nextMessage(isListening);
 * await server.kill();
 */
export function spawnLocalNode(script: string | URL, args: readonly string[] = []): NamespaceChild {
  const path = script instanceof URL ? fileURLToPath(script) : script;
  tsx ??= pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const execArgv = path.endsWith('.ts') ? ['--import', tsx] : [];
  const child = fork(path, [...args], { execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  return new NamespaceChild('host', child);
}
