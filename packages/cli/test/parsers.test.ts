// The argument parsers: what they accept and the message for what they refuse.
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseByteCount, parseHeader, parseHostPort, parseListenPort, parsePort, parseRate, wholeSecondsMs } from '../src/parsers.js';
import { parseState } from '../src/commands/sockets.js';

describe('argument parsers', () => {
  it('accepts ports in range and refuses the rest', () => {
    expect(parseListenPort('0')).toBe(0);
    expect(parsePort('65535')).toBe(65535);
    for (const bad of ['0', '65536', '-1', '80.5', 'http', '']) expect(() => parsePort(bad)).toThrow(InvalidArgumentError);
    expect(() => parseListenPort('65536')).toThrow('port must be from 0 to 65535, got 65536');
  });

  it('takes ms for a value the kernel keeps in whole seconds, and refuses what it would round', () => {
    expect(wholeSecondsMs('60000')).toBe(60_000);
    expect(() => wholeSecondsMs('1500')).toThrow('expected a multiple of 1000 ms, got 1500');
    for (const bad of ['60', '0', '32768000', '1e3']) expect(() => wholeSecondsMs(bad)).toThrow(InvalidArgumentError);
  });

  it('splits HOST:PORT, with IPv6 hosts in brackets', () => {
    expect(parseHostPort('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseHostPort('[::1]:2048')).toEqual({ host: '::1', port: 2048 });
    expect(parseHostPort('localhost:80')).toEqual({ host: 'localhost', port: 80 });
    for (const bad of ['localhost', '::1:80', '127.0.0.1:', ':80', '127.0.0.1:99999'])
      expect(() => parseHostPort(bad)).toThrow(InvalidArgumentError);
  });

  it('reads rates the way tc spells bits and as bytes, per second', () => {
    expect(parseRate('1mbit')).toBe(125_000);
    expect(parseRate('512kbit/s')).toBe(64_000);
    expect(parseRate('100kB')).toBe(100_000);
    expect(parseRate('2MiB')).toBe(2 * 1024 * 1024);
    expect(parseRate('1500')).toBe(1500);
    for (const bad of ['fast', '1mbps', '-1mbit', '0', 'mbit']) expect(() => parseRate(bad)).toThrow(/expected a rate|at least 1 byte/);
  });

  it('reads byte counts with SI and IEC suffixes', () => {
    expect(parseByteCount('1000')).toBe(1000);
    expect(parseByteCount('64KiB')).toBe(65_536);
    expect(parseByteCount('1.5kB')).toBe(1500);
    for (const bad of ['0', 'lots', '1kbit']) expect(() => parseByteCount(bad)).toThrow(InvalidArgumentError);
  });

  it('collects repeated headers in order', () => {
    expect(parseHeader('B: 2', parseHeader('A:1'))).toEqual([
      ['A', '1'],
      ['B', '2'],
    ]);
    expect(() => parseHeader(': no name')).toThrow(InvalidArgumentError);
    expect(() => parseHeader('Bad Name: x')).toThrow(InvalidArgumentError);
  });

  it('maps the usual spellings of TCP states to ss names', () => {
    expect(parseState('time-wait')).toBe('TIME-WAIT');
    expect(parseState('TIME_WAIT')).toBe('TIME-WAIT');
    expect(parseState('established')).toBe('ESTAB');
    expect(() => parseState('waiting')).toThrow(InvalidArgumentError);
  });
});
