// Shared fixtures for the echo tests: cleanup of every server and socket, and
// facts about this machine's loopback.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterEach } from 'vitest';

type Closer = () => unknown;

/** Register closers that run after each test, newest first, so nothing leaks between tests. */
export function useCleanup(): (close: Closer) => void {
  const closers: Closer[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  return (close) => closers.push(close);
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export { closedPort, sleep } from '@connlab/lab';

/** Why IPv6 loopback cannot be used here, or undefined when ::1 accepts a listener. */
export async function ipv6Unavailable(): Promise<string | undefined> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '::1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
    return undefined;
  } catch (error) {
    return `::1 is not available on this machine (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
}
