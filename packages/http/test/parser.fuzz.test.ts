// Property-based fuzz: arbitrary input never throws anything but HttpParseError,
// always terminates, and gives the same result however it is split.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMessages } from '../src/parser/parse-all.js';
import type { ParseResult } from '../src/parser/parse-all.js';

// Fragments that steer random input into the interesting corners of the grammar.
const FRAGMENTS = [
  'GET ',
  'POST ',
  'HEAD ',
  'CONNECT ',
  'OPTIONS ',
  '/',
  '/a?b=c',
  '*',
  'http://h/x',
  'h:80',
  ' HTTP/1.1',
  ' HTTP/1.0',
  ' HTTP/2.0',
  'HTTP/1.1 200 OK',
  'HTTP/1.1 100 Continue',
  'HTTP/1.1 204 No Content',
  'HTTP/1.0 304 x',
  '\r\n',
  '\r\n\r\n',
  '\n',
  '\r',
  ' ',
  '\t',
  ':',
  ';',
  ',',
  '"',
  '\\',
  '=',
  '\x00',
  '\x7f',
  '\xff',
  'Host: a',
  'Host:',
  'Content-Length: ',
  'content-length:5',
  '0',
  '3',
  '5',
  'ffffffffffffffffff',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: gzip',
  'Connection: close',
  'Connection: keep-alive',
  'Expect: 100-continue',
  'X: y',
  ' folded',
  '5\r\nhello\r\n',
  '0\r\n\r\n',
  '3;a="b"\r\nabc\r\n',
  'T: 1\r\n',
];

const input = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...FRAGMENTS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a).toString('latin1')) },
    ),
    { maxLength: 40 },
  )
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));

function summary(r: ParseResult): string {
  return JSON.stringify({
    m: r.messages.map((m) => ({ ...m.head, body: m.body.toString('latin1'), trailers: m.trailers })),
    e: r.error ? [r.error.code, r.error.offset, r.error.status] : null,
  });
}

function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

describe.each(['request', 'response'] as const)('%s parser under fuzz', (type) => {
  it('throws nothing but HttpParseError and ignores how the input is split', () => {
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (bytes, cuts, end) => {
        const opts = { type, maxRequestLineSize: 128, maxHeaderSize: 256, maxHeaderCount: 8, maxBodySize: 64, maxChunkLineSize: 32 };
        const methods = ['GET', 'HEAD', 'GET', 'CONNECT', 'GET'];
        // parseMessages rethrows anything that is not an HttpParseError, failing the property.
        const whole = summary(parseMessages(opts, [bytes], { end, methods }));
        const pieces = summary(parseMessages(opts, split(bytes, cuts), { end, methods }));
        const bytewise = summary(
          parseMessages(
            opts,
            [...bytes].map((b) => Buffer.from([b])),
            { end, methods },
          ),
        );
        expect(pieces).toBe(whole);
        expect(bytewise).toBe(whole);
      }),
      { numRuns: 600 },
    );
  });
});

it('assigns every error a 4xx or 5xx status and an offset inside the input', () => {
  fc.assert(
    fc.property(input, (bytes) => {
      const r = parseMessages({ type: 'request' }, [bytes], { end: true });
      if (r.error) {
        expect(r.error.status).toBeGreaterThanOrEqual(400);
        expect(r.error.status).toBeLessThan(600);
        expect(r.error.offset).toBeGreaterThanOrEqual(0);
        expect(r.error.offset).toBeLessThanOrEqual(bytes.length);
      }
    }),
    { numRuns: 600 },
  );
});
