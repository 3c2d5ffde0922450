// The server side of lesson 16, in its own process so its memory is its own
// and the load generator does not share its event loop. Two identical
// @connlab/http servers: one for the keep-alive run, one for the close run, so
// each has its own port and its own TIME_WAIT count.
import { readdirSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { createServer } from '@connlab/http';
import type { HttpServer } from '@connlab/http';
import { sleep } from '@connlab/lab';

const SETTLE_MS = 50;

/** Messages the parent sends. */
export type ChildCommand = { cmd: 'stats' } | { cmd: 'close' };

/** What the child reports. */
export type ChildMessage =
  | { kind: 'ready'; keepAlivePort: number; closePort: number }
  | {
      kind: 'stats';
      accepted: { keepAlive: number; close: number };
      open: number;
      rss: number;
      /** V8 heap in use for data (new, old and large-object spaces), without compiled code, which comes and goes. */
      heapUsed: number;
      external: number;
      arrayBuffers: number;
      fds: number | null;
    }
  | { kind: 'closed' };

// V8's data spaces: objects, not code. The JIT compiles the accept path while
// the first idle connections arrive and drops that code again a moment later
// (about 160 KB here, in code_space and, on newer V8, trusted_space), which is
// no connection's cost. heapUsed counts it; this does not.
const DATA_SPACES = new Set(['new_space', 'old_space', 'large_object_space', 'new_large_object_space', 'map_space']);

function dataHeapUsed(): number {
  let used = 0;
  for (const space of getHeapSpaceStatistics()) if (DATA_SPACES.has(space.space_name)) used += space.space_used_size;
  return used;
}

/**
 * The data heap after full collections, the smallest of three readings: a
 * reading can only be raised by what is still being allocated or swept
 * around it, never lowered below what the live objects take.
 */
function settledHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  let least = Infinity;
  for (let i = 0; i < 3; i++) {
    // Two collections: the first may only schedule finalizers for the second to run.
    gc?.();
    gc?.();
    least = Math.min(least, dataHeapUsed());
  }
  return least;
}

function hello(): HttpServer {
  // maxRequestsPerConnection 0: no limit, so the keep-alive run uses as few connections as it asks for.
  return createServer(() => ({ headers: { 'Content-Type': 'text/plain' }, body: 'hello, world\n' }), {
    keepAliveTimeoutMs: 60_000,
    maxRequestsPerConnection: 0,
    date: false,
  });
}

/** Open file descriptors of this process (Linux: /proc/self/fd), or null where that is not readable. */
function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const keepAlive = hello();
  const close = hello();
  const accepted = { keepAlive: 0, close: 0 };
  keepAlive.on('connectionOpen', () => {
    accepted.keepAlive++;
  });
  close.on('connectionOpen', () => {
    accepted.close++;
  });
  const a = await keepAlive.listen(0, '127.0.0.1');
  const b = await close.listen(0, '127.0.0.1');
  /** Let the last responses' write callbacks and any closing handles finish first: on a busy machine they can still be queued when the message arrives. */
  async function sendStats(): Promise<void> {
    await sleep(SETTLE_MS);
    const heapUsed = settledHeap();
    const m = process.memoryUsage();
    send({
      kind: 'stats',
      accepted: { ...accepted },
      open: keepAlive.connections().length + close.connections().length,
      rss: m.rss,
      heapUsed,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      fds: openFds(),
    });
  }

  process.on('message', (message: ChildCommand) => {
    if (message.cmd === 'stats') void sendStats();
    else {
      void Promise.all([keepAlive.close({ graceMs: 2000 }), close.close({ graceMs: 2000 })]).then(() => {
        send({ kind: 'closed' });
        process.disconnect();
      });
    }
  });
  // The parent went away: do not linger as an orphan.
  process.on('disconnect', () => process.exit(0));
  send({ kind: 'ready', keepAlivePort: a.port, closePort: b.port });
}

void main();
