import { describe, expect, it } from 'vitest';
import { HttpParseError } from '../src/shared/errors.js';
import type { HttpParseErrorCode } from '../src/shared/errors.js';
import { parseMessages } from '../src/parser/parse-all.js';
import type { ParseResult } from '../src/parser/parse-all.js';
import { HttpParser } from '../src/parser/parser.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function req(input: string, limits = {}): ParseResult {
  return parseMessages({ type: 'request', ...limits }, [b(input)]);
}

/** Parse in every two-piece split and one byte at a time; all must agree with the whole. */
function everySplit(input: string, type: 'request' | 'response' = 'request', end = false, methods: string[] = []): string {
  const bytes = b(input);
  const summary = (r: ParseResult): string =>
    JSON.stringify({
      m: r.messages.map((m) => ({ ...m.head, body: m.body.toString('latin1'), trailers: m.trailers })),
      e: r.error ? [r.error.code, r.error.offset] : null,
    });
  const whole = summary(parseMessages({ type }, [bytes], { end, methods }));
  const ones = summary(
    parseMessages(
      { type },
      [...bytes].map((x) => Buffer.from([x])),
      { end, methods },
    ),
  );
  expect(ones, 'one byte at a time').toBe(whole);
  for (let cut = 1; cut < bytes.length; cut++) {
    const two = summary(parseMessages({ type }, [bytes.subarray(0, cut), bytes.subarray(cut)], { end, methods }));
    expect(two, `split at ${cut}`).toBe(whole);
  }
  return whole;
}

describe('valid requests', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['a minimal GET', 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n', { method: 'GET', target: '/', body: '' }],
    ['leading empty lines are skipped', '\r\n\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n', { target: '/a' }],
    ['HTTP/1.0 without Host', 'GET / HTTP/1.0\r\n\r\n', { versionMinor: 0, keepAlive: false }],
    ['HTTP/1.0 keep-alive', 'GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n', { keepAlive: true }],
    [
      'HTTP/1.1 Connection: close in a list',
      'GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, CLOSE\r\n\r\n',
      { keepAlive: false, connection: ['foo', 'close'] },
    ],
    ['HTTP/1.2 is treated as 1.x', 'GET / HTTP/1.2\r\nHost: h\r\n\r\n', { versionMinor: 2 }],
    [
      'Content-Length body',
      'POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello',
      { body: 'hello', framing: 'length', contentLength: 5 },
    ],
    ['Content-Length 0', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n', { body: '', framing: 'none' }],
    [
      'identical repeated Content-Length',
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc',
      { body: 'abc' },
    ],
    ['identical Content-Length list', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc', { body: 'abc' }],
    ['Content-Length with leading zeros', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0000000000000000003\r\n\r\nabc', { body: 'abc' }],
    [
      'chunked with extensions and trailers',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b ; c="x\\"y"\r\nabc\r\n2\r\nde\r\n0;last\r\nX-Sum: 5\r\nY:\r\n\r\n',
      { body: 'abcde', trailers: ['X-Sum', '5', 'Y', ''] },
    ],
    [
      'chunked in a list with empty elements',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: , Chunked ,\r\n\r\n0\r\n\r\n',
      { framing: 'chunked', transferCodings: ['chunked'] },
    ],
    [
      'uppercase hex chunk size',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n',
      { body: '0123456789' },
    ],
    [
      'OWS around the value is trimmed, inner kept',
      'GET / HTTP/1.1\r\nHost: h\r\nX-A: \t one  two \t\r\n\r\n',
      { rawHeaders: ['Host', 'h', 'X-A', 'one  two'] },
    ],
    ['obs-text in a value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: caf\xe9\r\n\r\n', { rawHeaders: ['Host', 'h', 'X-A', 'caf\xe9'] }],
    ['empty value', 'GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\n\r\n', { rawHeaders: ['Host', 'h', 'X-Empty', ''] }],
    ['empty Host is allowed', 'GET / HTTP/1.1\r\nHost:\r\n\r\n', { method: 'GET' }],
    ['Host with IPv6 literal and port', 'GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n', { method: 'GET' }],
    ['absolute-form', 'GET http://example.com:80/a?b HTTP/1.1\r\nHost: other\r\n\r\n', { target: 'http://example.com:80/a?b' }],
    ['authority-form for CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', { target: 'example.com:443' }],
    ['asterisk-form for OPTIONS', 'OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n', { target: '*' }],
    [
      'percent-encoding and sub-delims in the target',
      "GET /a%20b/;x=1,2!$&'()*+@:?q=/? HTTP/1.1\r\nHost: h\r\n\r\n",
      { target: "/a%20b/;x=1,2!$&'()*+@:?q=/?" },
    ],
    ['an extension method', 'PURGE /x HTTP/1.1\r\nHost: h\r\n\r\n', { method: 'PURGE' }],
    ['Expect: 100-continue', 'PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx', { expectContinue: true }],
    ['Upgrade request', 'GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', { upgrade: true }],
    [
      'four empty lines before the request-line (the most skipped, RFC 9112 §2.2)',
      '\r\n\r\n\r\n\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n',
      { target: '/a' },
    ],
    [
      'Expect: 100-continue in a list',
      'PUT / HTTP/1.1\r\nHost: h\r\nExpect: , 100-continue\r\nContent-Length: 1\r\n\r\nx',
      { expectContinue: true },
    ],
    [
      'trailer fields RFC 9110 §6.5.1 prohibits are dropped, the rest kept apart from the header section',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nContent-Length: 5\r\nX-A: 1\r\nhost: evil\r\nTRANSFER-ENCODING: gzip\r\nAuthorization: x\r\nContent-Type: a/b\r\nX-B: 2\r\n\r\n',
      { rawHeaders: ['Host', 'h', 'Transfer-Encoding', 'chunked'], trailers: ['X-A', '1', 'X-B', '2'], body: 'x' },
    ],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => {
      const result = JSON.parse(everySplit(input)) as { m: Record<string, unknown>[]; e: unknown };
      expect(result.e).toBeNull();
      expect(result.m).toHaveLength(1);
      expect(result.m[0]).toMatchObject(expected);
    });
  }

  it('parses several pipelined requests from one buffer, in order', () => {
    const input =
      'GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nokGET /3 HTTP/1.1\r\nHost: h\r\n\r\n';
    const result = JSON.parse(everySplit(input)) as { m: { target: string; body: string }[] };
    expect(result.m.map((m) => [m.target, m.body])).toEqual([
      ['/1', ''],
      ['/2', 'ok'],
      ['/3', ''],
    ]);
  });
});

describe('invalid requests', () => {
  const cases: [string, string, HttpParseErrorCode, number?][] = [
    [
      'CL and TE together',
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
      'HTTP_PARSE_CONTENT_LENGTH_WITH_TRANSFER_ENCODING',
    ],
    [
      'TE before CL too',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n',
      'HTTP_PARSE_CONTENT_LENGTH_WITH_TRANSFER_ENCODING',
    ],
    [
      'differing Content-Length fields',
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n',
      'HTTP_PARSE_INVALID_CONTENT_LENGTH',
    ],
    ['differing Content-Length list', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\n', 'HTTP_PARSE_INVALID_CONTENT_LENGTH'],
    ['signed Content-Length', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\n', 'HTTP_PARSE_INVALID_CONTENT_LENGTH'],
    ['negative Content-Length', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n', 'HTTP_PARSE_INVALID_CONTENT_LENGTH'],
    ['hex Content-Length', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n', 'HTTP_PARSE_INVALID_CONTENT_LENGTH'],
    ['Content-Length with inner space', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n', 'HTTP_PARSE_INVALID_CONTENT_LENGTH'],
    ['empty Content-Length', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n', 'HTTP_PARSE_INVALID_CONTENT_LENGTH'],
    [
      'huge Content-Length',
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n',
      'HTTP_PARSE_INVALID_CONTENT_LENGTH',
    ],
    ['chunked not last', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 'HTTP_PARSE_INVALID_TRANSFER_ENCODING'],
    [
      'chunked twice',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n',
      'HTTP_PARSE_INVALID_TRANSFER_ENCODING',
    ],
    ['TE without chunked', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n', 'HTTP_PARSE_INVALID_TRANSFER_ENCODING'],
    [
      'TE that only looks like chunked',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n',
      'HTTP_PARSE_INVALID_TRANSFER_ENCODING',
    ],
    [
      'chunked with a parameter',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked;a=b\r\n\r\n',
      'HTTP_PARSE_INVALID_TRANSFER_ENCODING',
    ],
    ['empty TE', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\r\n', 'HTTP_PARSE_INVALID_TRANSFER_ENCODING'],
    ['TE in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 'HTTP_PARSE_INVALID_TRANSFER_ENCODING'],
    [
      'unknown coding before chunked',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: foo, chunked\r\n\r\n',
      'HTTP_PARSE_UNSUPPORTED_TRANSFER_CODING',
    ],
    [
      'gzip before chunked is not implemented',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
      'HTTP_PARSE_UNSUPPORTED_TRANSFER_CODING',
    ],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n', 'HTTP_PARSE_OBS_FOLD'],
    ['whitespace before the first field', 'GET / HTTP/1.1\r\n Host: h\r\n\r\n', 'HTTP_PARSE_WHITESPACE_AFTER_START_LINE'],
    ['space before colon', 'GET / HTTP/1.1\r\nHost : h\r\n\r\n', 'HTTP_PARSE_WHITESPACE_BEFORE_COLON', 20],
    ['tab before colon', 'GET / HTTP/1.1\r\nHost\t: h\r\n\r\n', 'HTTP_PARSE_WHITESPACE_BEFORE_COLON'],
    ['non-token byte in a field name', 'GET / HTTP/1.1\r\nHost: h\r\nX(A): b\r\n\r\n', 'HTTP_PARSE_INVALID_HEADER_NAME'],
    ['empty field name', 'GET / HTTP/1.1\r\nHost: h\r\n: b\r\n\r\n', 'HTTP_PARSE_INVALID_HEADER_NAME'],
    ['field line without colon', 'GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n', 'HTTP_PARSE_INVALID_HEADER_NAME'],
    ['NUL in a value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x00b\r\n\r\n', 'HTTP_PARSE_INVALID_HEADER_VALUE'],
    ['bare CR in a value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n', 'HTTP_PARSE_INVALID_HEADER_VALUE'],
    ['DEL in a value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7fb\r\n\r\n', 'HTTP_PARSE_INVALID_HEADER_VALUE'],
    ['bare LF ending a field line', 'GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n', 'HTTP_PARSE_INVALID_LINE_ENDING'],
    ['bare LF ending the request-line', 'GET / HTTP/1.1\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_LINE_ENDING'],
    ['bare LF ending the head', 'GET / HTTP/1.1\r\nHost: h\r\n\n', 'HTTP_PARSE_INVALID_LINE_ENDING'],
    ['bare CR in the request-line', 'GET /\r HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_TARGET'],
    ['missing Host on 1.1', 'GET / HTTP/1.1\r\nX: y\r\n\r\n', 'HTTP_PARSE_MISSING_HOST'],
    ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n', 'HTTP_PARSE_DUPLICATE_HOST'],
    ['two Host fields on 1.0 too', 'GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n', 'HTTP_PARSE_DUPLICATE_HOST'],
    ['Host with a path', 'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n', 'HTTP_PARSE_INVALID_HOST'],
    ['Host with a space', 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n', 'HTTP_PARSE_INVALID_HOST'],
    ['Host with a bad port', 'GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n', 'HTTP_PARSE_INVALID_HOST'],
    ['HTTP/2.0 gets 505', 'GET / HTTP/2.0\r\nHost: h\r\n\r\n', 'HTTP_PARSE_UNSUPPORTED_VERSION'],
    ['HTTP/0.9 version gets 505', 'GET / HTTP/0.9\r\nHost: h\r\n\r\n', 'HTTP_PARSE_UNSUPPORTED_VERSION'],
    ['lower-case version', 'GET / http/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_VERSION'],
    ['two-digit version', 'GET / HTTP/1.10\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_VERSION'],
    ['HTTP/0.9 simple request', 'GET /\r\n\r\n', 'HTTP_PARSE_INVALID_REQUEST_LINE'],
    ['double space after method', 'GET  / HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_REQUEST_LINE'],
    ['double space before version', 'GET /  HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_VERSION'],
    ['tab as separator', 'GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_METHOD', 3],
    ['non-token method', 'G(T / HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_METHOD', 1],
    ['binary garbage', '\x16\x03\x01\x02\x00', 'HTTP_PARSE_INVALID_METHOD', 0],
    ['space in the target', 'GET /a b HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_VERSION'],
    ['fragment in the target', 'GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_TARGET'],
    ['unsafe byte in the target', 'GET /a<b HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_TARGET'],
    ['bad percent-encoding', 'GET /a%2x HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_TARGET'],
    ['obs-text in the target', 'GET /caf\xe9 HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_TARGET'],
    ['asterisk for GET', 'GET * HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_TARGET'],
    ['CONNECT without port', 'CONNECT example.com HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_TARGET'],
    ['CONNECT with origin-form', 'CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_TARGET'],
    ['http URI with empty host', 'GET http:///a HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_TARGET'],
    ['relative target', 'GET a/b HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_TARGET'],
    ['chunk size not hex', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n', 'HTTP_PARSE_INVALID_CHUNK_SIZE'],
    [
      'chunk size with 0x',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n',
      'HTTP_PARSE_INVALID_CHUNK_EXTENSION',
    ],
    [
      'chunk size overflow',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n',
      'HTTP_PARSE_CHUNK_SIZE_OVERFLOW',
    ],
    [
      'whitespace after chunk size',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n',
      'HTTP_PARSE_INVALID_CHUNK_EXTENSION',
    ],
    [
      'chunk extension without name',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;=x\r\nhello\r\n0\r\n\r\n',
      'HTTP_PARSE_INVALID_CHUNK_EXTENSION',
    ],
    [
      'unterminated quoted extension',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a="x\r\nhello\r\n0\r\n\r\n',
      'HTTP_PARSE_INVALID_CHUNK_EXTENSION',
    ],
    [
      'chunk data longer than its size',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n',
      'HTTP_PARSE_INVALID_CHUNK_DATA',
    ],
    [
      'chunk data ended by bare LF',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n',
      'HTTP_PARSE_INVALID_CHUNK_DATA',
    ],
    [
      'chunk-size line ended by bare LF',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n',
      'HTTP_PARSE_INVALID_LINE_ENDING',
    ],
    [
      'invalid trailer',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Name: x\r\n\r\n',
      'HTTP_PARSE_WHITESPACE_BEFORE_COLON',
    ],
    ['CR LF CR junk before the request', '\r\n\rGET / HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_LINE_ENDING', 2],
    ['bare LF before the request', '\nGET / HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_PARSE_INVALID_LINE_ENDING', 0],
    [
      'five empty lines before the request-line',
      '\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n',
      'HTTP_PARSE_TOO_MANY_EMPTY_LINES',
      8,
    ],
    [
      'five empty lines after a request, before the next',
      'GET / HTTP/1.1\r\nHost: h\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n',
      'HTTP_PARSE_TOO_MANY_EMPTY_LINES',
      35,
    ],
    [
      'an expectation other than 100-continue (RFC 9110 §10.1.1)',
      'PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue, fancy\r\nContent-Length: 1\r\n\r\nx',
      'HTTP_PARSE_UNSUPPORTED_EXPECTATION',
    ],
  ];
  for (const [name, input, code, offset] of cases) {
    it(`${name} → ${code}`, () => {
      const result = JSON.parse(everySplit(input)) as { e: [string, number] | null };
      expect(result.e?.[0]).toBe(code);
      if (offset !== undefined) expect(result.e?.[1]).toBe(offset);
    });
  }

  it('maps codes to the statuses a server sends', () => {
    const status = (input: string, limits = {}): number | undefined => req(input, limits).error?.status;
    expect(status('GET / HTTP/2.0\r\nHost: h\r\n\r\n')).toBe(505);
    expect(status('GET / HTTP/1.1\r\nHost: h\r\nExpect: x\r\n\r\n')).toBe(417);
    expect(status('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: br, chunked\r\n\r\n')).toBe(501);
    expect(status(`GET /${'a'.repeat(100)} HTTP/1.1\r\nHost: h\r\n\r\n`, { maxRequestLineSize: 64 })).toBe(414);
    expect(status(`GET / HTTP/1.1\r\nHost: h\r\nX: ${'a'.repeat(100)}\r\n\r\n`, { maxHeaderSize: 64 })).toBe(431);
    expect(status('GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n', { maxHeaderCount: 2 })).toBe(431);
    expect(status('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n', { maxBodySize: 10 })).toBe(413);
    expect(status('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\n', { maxBodySize: 10 })).toBe(413);
    expect(status('GET / HTTP/1.1\r\nHost : h\r\n\r\n')).toBe(400);
  });
});

describe('limits', () => {
  function limitSplits(input: string, limits: Record<string, number>): [string, number] | null {
    const bytes = b(input);
    const whole = parseMessages({ type: 'request', ...limits }, [bytes]).error;
    const ones = parseMessages(
      { type: 'request', ...limits },
      [...bytes].map((x) => Buffer.from([x])),
    ).error;
    expect([ones?.code, ones?.offset]).toEqual([whole?.code, whole?.offset]);
    return whole ? [whole.code, whole.offset] : null;
  }

  it('counts the request-line with its CRLF against maxRequestLineSize', () => {
    const line = 'GET /abc HTTP/1.1\r\n'; // 19 bytes
    expect(limitSplits(`${line}Host: h\r\n\r\n`, { maxRequestLineSize: 19 })).toBeNull();
    expect(limitSplits(`${line}Host: h\r\n\r\n`, { maxRequestLineSize: 18 })).toEqual(['HTTP_PARSE_REQUEST_LINE_TOO_LONG', 18]);
  });

  it('rejects a request-line that never ends once it passes the limit', () => {
    const r = parseMessages({ type: 'request', maxRequestLineSize: 32 }, [b(`GET /${'x'.repeat(40)}`)]);
    expect(r.error?.code).toBe('HTTP_PARSE_REQUEST_LINE_TOO_LONG');
  });

  it('counts field lines with their CRLFs against maxHeaderSize', () => {
    const head = 'GET / HTTP/1.1\r\nHost: h\r\nX-A: 12345\r\n\r\n'; // fields: 9 + 12 = 21 bytes
    expect(limitSplits(head, { maxHeaderSize: 21 })).toBeNull();
    expect(limitSplits(head, { maxHeaderSize: 20 })).toEqual(['HTTP_PARSE_HEADERS_TOO_LARGE', 16 + 20]);
  });

  it('rejects a header section that never ends once it passes the limit', () => {
    const r = parseMessages({ type: 'request', maxHeaderSize: 64 }, [b(`GET / HTTP/1.1\r\nHost: h\r\nX: ${'y'.repeat(100)}`)]);
    expect(r.error?.code).toBe('HTTP_PARSE_HEADERS_TOO_LARGE');
  });

  it('limits the trailer section too', () => {
    const input = `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: ${'z'.repeat(50)}\r\n\r\n`;
    expect(limitSplits(input, { maxHeaderSize: 32 })?.[0]).toBe('HTTP_PARSE_HEADERS_TOO_LARGE');
  });

  it('rejects nonsense limit options with the option named', () => {
    expect(() => new HttpParser({ type: 'request', maxHeaderSize: -1 })).toThrow(/maxHeaderSize/);
  });
});

describe('responses', () => {
  function res(input: string, methods: string[] = [], end = true): ParseResult {
    everySplit(input, 'response', end, methods);
    return parseMessages({ type: 'response' }, [b(input)], { end, methods });
  }

  it('reads Content-Length, chunked and close-delimited bodies', () => {
    const r = res(
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nyo\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n\r\nuntil close',
    );
    expect(r.error).toBeNull();
    expect(r.messages.map((m) => [m.head.status, m.head.framing, m.head.keepAlive, m.body.toString()])).toEqual([
      [200, 'length', true, 'hi'],
      [201, 'chunked', true, 'yo'],
      [200, 'close', false, 'until close'],
    ]);
  });

  it('gives no body to HEAD, 204 and 304 responses whatever their headers say', () => {
    const r = res(
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n',
      ['HEAD', 'GET', 'GET'],
    );
    expect(r.error).toBeNull();
    expect(r.messages.map((m) => [m.head.method, m.head.status, m.body.length])).toEqual([
      ['HEAD', 200, 0],
      ['GET', 204, 0],
      ['GET', 304, 0],
    ]);
  });

  it('passes 1xx responses without using up a request method', () => {
    const r = res(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc',
      ['HEAD'],
    );
    expect(r.messages.map((m) => [m.head.status, m.head.method, m.body.toString()])).toEqual([
      [100, 'HEAD', ''],
      [103, 'HEAD', ''],
      [200, 'HEAD', ''],
    ]);
  });

  it('stops at a 101 and hands over the rest', () => {
    const parser = new HttpParser({ type: 'response' });
    const seen: number[] = [];
    const p = new HttpParser({ type: 'response' }, { onHead: (h) => seen.push(h.status) });
    p.execute(b('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00more'));
    p.execute(b('later'));
    expect(seen).toEqual([101]);
    expect(p.takeRemaining().toString('latin1')).toBe('\x81\x00morelater');
    expect(parser.idle).toBe(true);
  });

  it('tolerates but reports obs-fold, CL with TE, TE without final chunked, a missing reason SP', () => {
    const r = res('HTTP/1.1 200\r\nX-A: a\r\n  b\r\nContent-Length: 1\r\n\r\nx', ['GET']);
    expect(r.messages[0]?.head.rawHeaders).toEqual(['X-A', 'a b', 'Content-Length', '1']);
    expect(r.messages[0]?.head.warnings.join('; ')).toMatch(/reason-phrase.*obs-fold/);
    const both = res('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n');
    expect([both.messages[0]?.body.toString(), both.messages[0]?.head.keepAlive]).toEqual(['z', false]);
    const gz = res('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw bytes');
    expect([gz.messages[0]?.head.framing, gz.messages[0]?.body.toString()]).toEqual(['close', 'raw bytes']);
  });

  it('reports a body cut short by the close (a wrong Content-Length)', () => {
    const r = res('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort', ['GET'], true);
    expect(r.error?.code).toBe('HTTP_PARSE_INCOMPLETE');
    expect(r.partial?.status).toBe(200);
  });

  it('rejects malformed status lines and framing', () => {
    expect(res('HTTP/1.1 20 OK\r\n\r\n').error?.code).toBe('HTTP_PARSE_INVALID_STATUS_LINE');
    expect(res('HTTP/1.1 600 Nope\r\n\r\n').error?.code).toBe('HTTP_PARSE_INVALID_STATUS_LINE');
    expect(res('HTTP/2 200 OK\r\n\r\n').error?.code).toBe('HTTP_PARSE_INVALID_VERSION');
    expect(res('HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n').error?.code).toBe('HTTP_PARSE_INVALID_CONTENT_LENGTH');
    expect(res('HTTP/1.1 200 OK\r\nX: a\x00\r\n\r\n').error?.code).toBe('HTTP_PARSE_INVALID_HEADER_VALUE');
  });

  it('keeps an HTTP/1.0 response alive only with Connection: keep-alive', () => {
    const r = res('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n');
    expect(r.messages.map((m) => m.head.keepAlive)).toEqual([false, true]);
  });
});

describe('the parser object', () => {
  it('pauses inside a callback and resumes with the kept bytes', () => {
    const targets: string[] = [];
    const parser: HttpParser = new HttpParser(
      { type: 'request' },
      {
        onHead: (h) => targets.push(h.target),
        onComplete: () => parser.pause(),
      },
    );
    parser.execute(b('GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(targets).toEqual(['/1']);
    parser.resume();
    expect(targets).toEqual(['/1', '/2']);
    expect(parser.offset).toBe(56);
  });

  it('rethrows its first error and rejects a request cut short at end of input', () => {
    const parser = new HttpParser({ type: 'request' });
    expect(() => parser.execute(b('GET / HTTP/1.1\r\nHost : x\r\n\r\n'))).toThrow(HttpParseError);
    expect(() => parser.execute(b('GET / HTTP/1.1\r\n'))).toThrow(/whitespace between/);
    const cut = new HttpParser({ type: 'request' });
    cut.execute(b('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab'));
    expect(() => cut.finish()).toThrow(expect.objectContaining({ code: 'HTTP_PARSE_INCOMPLETE' }) as Error);
  });

  it('parses only the first `length` bytes of a reused buffer, and keeps copies across calls', () => {
    const heads: string[] = [];
    const bodies: string[] = [];
    const parser = new HttpParser(
      { type: 'request' },
      {
        onHead: (h) => heads.push(`${h.method} ${h.target} ${h.rawHeaders.join('=')}`),
        onBody: (chunk) => bodies.push(chunk.toString('latin1')),
      },
    );
    // One buffer, refilled for each "read", with stale bytes after `length` (as a handle read buffer).
    const shared = Buffer.alloc(64, '#');
    const reads = ['POST /a HTTP/1.1\r\nHo', 'st: h\r\nContent-Len', 'gth: 3\r\n\r\nxyzGET /b HTTP/1.1\r\nHost: g\r\n\r\n'];
    for (const r of reads) {
      shared.fill('#');
      const n = shared.write(r, 'latin1');
      parser.execute(shared, n);
    }
    expect(heads).toEqual(['POST /a Host=h=Content-Length=3', 'GET /b Host=g']);
    expect(bodies).toEqual(['xyz']);
  });

  it('reports chunk extensions as received', () => {
    const ext: [number, string][] = [];
    const parser = new HttpParser({ type: 'request' }, { onChunkHeader: (size, e) => ext.push([size, e]) });
    parser.execute(b('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;a=1\r\nx\r\n0 ;b\r\n\r\n'));
    expect(ext).toEqual([
      [1, ';a=1'],
      [0, ' ;b'],
    ]);
  });
});
