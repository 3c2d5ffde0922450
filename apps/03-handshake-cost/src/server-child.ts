// The server of lesson 03: @connlab/http answering every request with a few
// bytes, so request and response each fit in one packet, as in the book.
import { createServer } from '@connlab/http';
import type { HttpServer } from '@connlab/http';
import { hasParent, sendToParent } from '@connlab/netns';

export async function startSmallServer(host: string): Promise<{ server: HttpServer; port: number }> {
  const server = createServer(() => ({ headers: { 'Content-Type': 'text/plain' }, body: 'ok\n' }), {
    keepAliveTimeoutMs: 60_000,
    maxRequestsPerConnection: 0,
    date: false,
  });
  const { port } = await server.listen(0, host);
  return { server, port };
}

// Started as a child (in the delay line's server namespace, or beside the
// measuring process on loopback): listen on argv[2] and say where.
if (hasParent() && process.argv[2]) {
  const { port } = await startSmallServer(process.argv[2]);
  sendToParent({ type: 'listening', port });
  process.on('disconnect', () => process.exit(0));
}
