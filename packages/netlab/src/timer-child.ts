// Runs inside a namespace (started by openRemoteTimer): makes timed HTTP
// requests on the parent's behalf and sends back each TimingResult.
import { Resolver } from 'node:dns/promises';
import { hasParent, sendToParent } from '@connlab/netns';
import { getTcpInfo } from '@connlab/tcp-options';
import { TimedConnection } from './timed-client.js';
import type { RemoteRequest } from './remote-timer.js';

const connections = new Map<string, TimedConnection>();

// One resolver per DNS server: c-ares sets a channel up once; answers are not cached (Node keeps no DNS cache).
const resolvers = new Map<string, (host: string) => Promise<string>>();
function resolverFor(server: string): (host: string) => Promise<string> {
  let resolve = resolvers.get(server);
  if (!resolve) {
    const resolver = new Resolver({ timeout: 3000, tries: 1 });
    resolver.setServers([server]);
    resolve = async (host) => (await resolver.resolve4(host))[0]!;
    resolvers.set(server, resolve);
  }
  return resolve;
}

async function handle(req: RemoteRequest): Promise<void> {
  const key = `${req.host}:${req.port}`;
  let conn = req.connection === 'reuse' ? connections.get(key) : undefined;
  if (!conn) {
    connections.get(key)?.close();
    conn = new TimedConnection({ host: req.host, port: req.port, ...(req.dnsServer ? { resolve: resolverFor(req.dnsServer) } : {}) });
    connections.set(key, conn);
  }
  try {
    const { timing, head } = await conn.request({ path: req.path ?? '/', ...(req.label ? { label: req.label } : {}) });
    // The kernel's smoothed RTT for this connection: what one round trip costs on the line.
    if (conn.current) timing.details.kernelRttMs = getTcpInfo(conn.current).rttUs / 1000;
    sendToParent({ type: 'timing', id: req.id, timing, status: head.status });
  } catch (error) {
    sendToParent({ type: 'timing-error', id: req.id, message: (error as Error).message });
  }
}

if (hasParent()) {
  process.on('message', (m: unknown) => {
    const msg = m as { type?: string };
    if (msg.type === 'request') void handle(m as RemoteRequest);
    else if (msg.type === 'close') {
      for (const c of connections.values()) c.close();
      process.disconnect();
    }
  });
  sendToParent({ type: 'timer-ready' });
}
