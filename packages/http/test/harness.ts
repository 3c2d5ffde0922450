// Servers and raw clients started by a test file: every client is destroyed and
// every server closed after each test. The clients are lab's Wire; what is
// HTTP-specific here is reading their bytes as responses with our own parser.
import { Wire } from '@connlab/lab';
import { afterEach } from 'vitest';
import { parseMessages } from '../src/parser/parse-all.js';
import type { ParsedMessage } from '../src/parser/parse-all.js';
import type { HttpServer } from '../src/server/server.js';
import { getHeader } from '../src/shared/headers.js';

const clients = new Set<Wire>();

/**
 * A raw client on 127.0.0.1:port, destroyed by {@link destroyClients}. Like
 * an ordinary client it closes its side when the server's FIN arrives;
 * `allowHalfOpen: true` keeps it open (a lingering client).
 */
export async function connect(port: number, { allowHalfOpen = false } = {}): Promise<Wire> {
  const wire = await Wire.connect(port, { allowHalfOpen });
  clients.add(wire);
  return wire;
}

/** Destroy every client opened by {@link connect} (serversUnderTest does it after each test). */
export function destroyClients(): void {
  for (const c of clients) c.destroy();
  clients.clear();
}

/** A list to push each started server onto; after each test the clients go and the servers close (grace 100 ms). */
export function serversUnderTest(): HttpServer[] {
  const servers: HttpServer[] = [];
  afterEach(async () => {
    destroyClients();
    await Promise.all(servers.map((s) => s.close({ graceMs: 100 })));
    servers.length = 0;
  });
  return servers;
}

/** The responses received so far, parsed (`methods` in request order; GET when not given). */
export function responses(wire: Wire, methods: readonly string[] = []): ParsedMessage[] {
  return parseMessages({ type: 'response' }, [wire.received()], { methods }).messages;
}

/** Wait until `n` complete responses have arrived; rejects with the bytes received if the connection closes first or time runs out. */
export function waitResponses(wire: Wire, n: number, methods: readonly string[] = [], timeoutMs = 5000): Promise<ParsedMessage[]> {
  return wire.until(
    `${n} responses`,
    (w) => {
      const got = responses(w, methods);
      return got.length >= n && got;
    },
    timeoutMs,
  );
}

/** A response header's value (any case; repeated fields joined with ", "). */
export function header(m: ParsedMessage, name: string): string | undefined {
  return getHeader(m.head.rawHeaders, name);
}
