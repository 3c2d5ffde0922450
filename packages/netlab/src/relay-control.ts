// A small HTTP control plane for a FaultRelay, so faults can be added and
// removed from another process (curl, a lesson's other half) while
// connections are live. node:http is fine here: this is not what we study.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetlabError } from './errors.js';
import { validateFault } from './faults.js';
import type { FaultRelay } from './relay.js';

export interface RelayControl {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024;

function send(res: ServerResponse, status: number, body?: unknown): void {
  const text = body === undefined ? '' : `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new NetlabError('NETLAB_RELAY', `request body over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new NetlabError('NETLAB_RELAY', 'request body is not JSON');
  }
}

async function handle(relay: FaultRelay, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://control').pathname;
  const faultId = /^\/faults\/([\w-]+)$/.exec(path)?.[1];
  if (path === '/faults' && req.method === 'GET') return send(res, 200, relay.faults());
  if (path === '/faults' && req.method === 'POST') return send(res, 201, { id: relay.add(validateFault(await readJson(req))) });
  if (path === '/faults' && req.method === 'DELETE') {
    relay.clear();
    return send(res, 204);
  }
  if (faultId && req.method === 'DELETE') return relay.remove(faultId) ? send(res, 204) : send(res, 404, { error: `no fault ${faultId}` });
  if (path === '/connections' && req.method === 'GET') return send(res, 200, relay.connections());
  send(res, 404, { error: `no route ${req.method ?? ''} ${path}; try GET/POST/DELETE /faults, DELETE /faults/:id, GET /connections` });
}

/**
 * Serve the relay's control API on 127.0.0.1:
 * `GET /faults`, `POST /faults` (a FaultSpec as JSON → `{ id }`), `DELETE /faults`,
 * `DELETE /faults/:id`, `GET /connections`.
 *
 * @example
 * const control = await serveRelayControl(relay);
 * // curl -X POST $URL/faults -d '{"type":"latency","direction":"downstream","ms":100}'
 */
export async function serveRelayControl(relay: FaultRelay, port = 0): Promise<RelayControl> {
  const server: Server = createServer((req, res) => {
    handle(relay, req, res).catch((error: unknown) => {
      const status = error instanceof NetlabError ? 400 : 500;
      send(res, status, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
