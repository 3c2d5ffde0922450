import { verdictOf } from '@connlab/lab';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHORT_BODY, SHORT_DECLARED, UTF8_TEXT, run } from './experiment.js';
import type { CaseName, RunResult } from './experiment.js';
import { toLessonResult, verdicts } from './lesson.js';

describe('persistent HTTP/1.1 and framing', () => {
  let r: RunResult;
  const get = (name: CaseName) => r.cases.find((c) => c.name === name)!;

  beforeAll(async () => {
    r = await run({ settleMs: 80, waitMs: 3000, utf8Length: 'characters' });
  }, 60_000);

  it('runs the six conversations', () => {
    expect(r.cases).toHaveLength(6);
  });

  it('keeps HTTP/1.1 open across a length and a chunked response, and closes after Connection: close', () => {
    const c = get('persistent-then-close');
    expect(c.responses.map((x) => x.framing)).toEqual(['length', 'chunked', 'length']);
    expect(c.responses[1]!.body).toBe('piece 1\npiece 2\n');
    expect(c.responses[2]!.connection.toLowerCase()).toBe('close');
    expect(c.requestsSent).toBe(4);
    expect(c.serverFin).toBe(true);
    expect(c.serverReason).toBe('connection-close');
  });

  it('ends the connection with a response that has no length, on 1.1 and on 1.0 keep-alive', () => {
    for (const name of ['no-length-http11', 'no-length-http10-keep-alive'] as const) {
      const c = get(name);
      expect(c.responses).toHaveLength(1);
      expect(c.responses[0]!.framing).toBe('close');
      expect(c.responses[0]!.body).toBe('piece 1\npiece 2\n');
      expect(c.serverFin).toBe(true);
    }
  });

  it('shows a too-small Content-Length: extra bytes a careful client sees, a broken next response for a trusting one', () => {
    const long = get('body-too-long');
    expect(long.responses[0]!.contentLength).toBe(String(UTF8_TEXT.length));
    expect(long.unsolicitedBytes).toBe(Buffer.byteLength(UTF8_TEXT) - UTF8_TEXT.length);
    expect(long.parseError).not.toBeNull();
    const smuggled = get('body-smuggled');
    expect(smuggled.responses[0]!.body).toBe('hi\n');
    expect(smuggled.responses[1]).toMatchObject({ status: 200, body: 'not from this server!\n' });
  });

  it('shows a too-large Content-Length as a FIN in the middle of the body', () => {
    const c = get('body-too-short');
    expect(c.bytesAfterHead).toBe(SHORT_BODY.length);
    expect(c.bytesAfterHead).toBeLessThan(SHORT_DECLARED);
    expect(c.parseError?.code).toBe('HTTP_PARSE_INCOMPLETE');
    expect(c.serverFin).toBe(true);
  });

  it('reports reproduced from the bytes, and not when an undelimited response left the connection open', () => {
    expect(Object.values(verdicts(r)).every(Boolean)).toBe(true);
    expect(verdictOf(toLessonResult(r))).toBe('reproduced');
    const open: RunResult = { cases: r.cases.map((c) => (c.name === 'no-length-http11' ? { ...c, serverFin: false } : c)) };
    expect(verdictOf(toLessonResult(open))).toBe('not-reproduced');
  });
});
