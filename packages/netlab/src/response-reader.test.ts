import { describe, expect, it } from 'vitest';
import { ResponseReader } from './response-reader.js';

function feedBytewise(reader: ResponseReader, text: string): number {
  const bytes = Buffer.from(text, 'latin1');
  for (let i = 0; i < bytes.length; i++) if (reader.push(bytes.subarray(i, i + 1))) return i + 1;
  return -1;
}

describe('ResponseReader', () => {
  it('ends a Content-Length body at its last byte, whatever the split', () => {
    const r = new ResponseReader();
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';
    expect(feedBytewise(r, text)).toBe(text.length);
    expect(r.body().toString()).toBe('hello');
    expect(r.reusable).toBe(true);
  });

  it('decodes chunked bodies with extensions and trailers', () => {
    const r = new ResponseReader();
    const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n';
    expect(feedBytewise(r, text)).toBe(text.length);
    expect(r.body().toString()).toBe('abcde');
  });

  it('reads to EOF without a length, and says the connection cannot be reused', () => {
    const r = new ResponseReader();
    expect(r.push(Buffer.from('HTTP/1.0 200 OK\r\n\r\nsome'))).toBe(false);
    expect(r.end()).toBe(true);
    expect(r.body().toString()).toBe('some');
    expect(r.reusable).toBe(false);
  });

  it('knows HEAD, 204 and 304 have no body, and Connection: close ends reuse', () => {
    expect(new ResponseReader('HEAD').push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'))).toBe(true);
    expect(new ResponseReader().push(Buffer.from('HTTP/1.1 304 Not Modified\r\n\r\n'))).toBe(true);
    const r = new ResponseReader();
    r.push(Buffer.from('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n'));
    expect(r.reusable).toBe(false);
  });

  it('reports a body cut short with the byte offset', () => {
    const r = new ResponseReader();
    r.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    expect(() => r.end()).toThrow(/ended early at byte 42/);
    expect(() => new ResponseReader().push(Buffer.from('HTTX 200\r\n\r\n'))).toThrow(/bad status line/);
  });
});
