// Differential check: the same raw responses read by this client and by
// undici 7 (llhttp underneath) must give the same status, fields, body and
// trailers, and both must refuse the same broken ones.
import { Client } from 'undici';
import { describe, expect, it } from 'vitest';
import { HttpClient } from '../src/client/client.js';
import { clientTestKit } from './client-fixtures.js';

interface Case {
  name: string;
  method?: string;
  raw: string;
  /** The server closes after writing (close-delimited bodies, truncation). */
  end?: boolean;
}

const valid: Case[] = [
  { name: 'Content-Length body', raw: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world' },
  { name: 'empty body, Content-Length 0', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
  {
    name: 'chunked with extensions and trailers',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: x-sum\r\n\r\n5;a=b\r\nhello\r\n1;q="x y"\r\n \r\n5\r\nworld\r\n0\r\nX-Sum: 11\r\n\r\n',
  },
  { name: 'chunked, upper-case hex sizes', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n' },
  { name: 'close-delimited', raw: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close', end: true },
  { name: 'HEAD with Content-Length', method: 'HEAD', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n' },
  { name: '204 with no body', raw: 'HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n' },
  { name: '304 without Content-Length', raw: 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n' },
  {
    name: 'repeated fields and an empty one',
    raw: 'HTTP/1.1 200 OK\r\nX-Multi: a\r\nx-multi:  b\r\nX-Empty:\r\nContent-Length: 1\r\n\r\n!',
  },
  { name: 'HTTP/1.0 response with keep-alive', raw: 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\n1.0' },
  { name: 'status without reason phrase', raw: 'HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n' },
  { name: 'binary body bytes', raw: `HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n${String.fromCharCode(0, 255, 128, 10)}` },
];

const broken: Case[] = [
  { name: 'body shorter than Content-Length', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', end: true },
  { name: 'chunked body cut short', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', end: true },
  { name: 'two different Content-Length values', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx' },
  { name: 'invalid chunk size', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n' },
  { name: 'garbage status line', raw: 'HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n' },
  { name: 'head cut short', raw: 'HTTP/1.1 200 OK\r\nContent-Le', end: true },
];

// Where undici 7.30 and RFC 9112/9110 part ways; this client follows the RFC.
// Each entry checks the exact difference, so a change on either side shows up.
const divergent: (Case & { rule: string; check: (ours: Outcome, theirs: Outcome) => void })[] = [
  {
    name: '304 with a Content-Length and no body',
    raw: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nETag: "x"\r\n\r\n',
    rule: 'RFC 9112 §6.3 (1): a 304 never has a body whatever its Content-Length; RFC 9110 §8.6 allows the field on a 304',
    check: (ours, theirs) => {
      expect(ours).toMatchObject({ ok: true, status: 304, body: '' });
      expect(theirs.ok).toBe(false); // UND_ERR_RES_CONTENT_LENGTH_MISMATCH
    },
  },
  {
    name: 'an unsolicited 100 Continue before the final response',
    raw: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok',
    rule: 'RFC 9110 §15.2: a client MUST be able to parse 1xx responses before the final one, even if it did not expect one',
    check: (ours, theirs) => {
      expect(ours).toMatchObject({ ok: true, status: 201, body: 'ok' });
      expect(theirs.ok).toBe(false); // UND_ERR_SOCKET "bad response"
    },
  },
  {
    name: 'trailing whitespace in a field value',
    raw: 'HTTP/1.1 200 OK\r\nX-Pad:  b \t\r\nContent-Length: 0\r\n\r\n',
    rule: 'RFC 9112 §5: field-line = field-name ":" OWS field-value OWS; the OWS is not part of the value',
    check: (ours, theirs) => {
      expect(ours.headers?.['x-pad']).toBe('b');
      expect(theirs.headers?.['x-pad']).toBe('b \t');
    },
  },
];

interface Outcome {
  ok: boolean;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  trailers?: Record<string, string>;
}

function joined(pairs: Iterable<[string, string | string[] | undefined]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of pairs) {
    if (value === undefined) continue;
    const v = Array.isArray(value) ? value.join(', ') : value;
    const key = name.toLowerCase();
    out[key] = key in out ? `${out[key]}, ${v}` : v;
  }
  return out;
}

async function viaConnlab(origin: string, c: Case): Promise<Outcome> {
  const client = new HttpClient({ retry: false, responseTimeoutMs: 2000 });
  try {
    const r = await client.request({ origin, method: c.method ?? 'GET', path: '/' });
    return { ok: true, status: r.status, headers: joined(r.headers), body: r.body.toString('latin1'), trailers: joined(r.trailers) };
  } catch {
    return { ok: false };
  } finally {
    await client.close();
  }
}

async function viaUndici(origin: string, c: Case): Promise<Outcome> {
  const client = new Client(origin, { headersTimeout: 2000, bodyTimeout: 2000 });
  try {
    const r = await client.request({ method: c.method ?? 'GET', path: '/' });
    const body = Buffer.from(await r.body.arrayBuffer()).toString('latin1');
    return {
      ok: true,
      status: r.statusCode,
      headers: joined(Object.entries(r.headers)),
      body,
      trailers: joined(Object.entries(r.trailers)),
    };
  } catch {
    return { ok: false };
  } finally {
    await client.destroy();
  }
}

describe('client vs undici 7 on the same responses', () => {
  const kit = clientTestKit();

  async function both(c: Case): Promise<[Outcome, Outcome]> {
    const server = await kit.serve(() => ({ raw: Buffer.from(c.raw, 'latin1'), ...(c.end ? { then: 'end' as const } : {}) }));
    const ours = await viaConnlab(server.origin, c);
    const theirs = await viaUndici(server.origin, c);
    return [ours, theirs];
  }

  it.each(valid.map((c) => [c.name, c] as const))('agrees on a valid response: %s', async (_name, c) => {
    const [ours, theirs] = await both(c);
    expect(ours.ok).toBe(true);
    expect(ours).toEqual(theirs);
  });

  it.each(divergent.map((c) => [`${c.name}; ${c.rule}`, c] as const))('differs from undici where the RFC says so: %s', async (_name, c) => {
    const [ours, theirs] = await both(c);
    c.check(ours, theirs);
  });

  it.each(broken.map((c) => [c.name, c] as const))('both refuse a broken response: %s', async (_name, c) => {
    const [ours, theirs] = await both(c);
    expect([ours.ok, theirs.ok]).toEqual([false, false]);
  });
});
