import { describe, expect, it } from 'vitest';
import { LINKTYPE, annotate, formatTrace, tcpSegments, traceLineJson } from './index.js';
import { conversation } from '../test/frames.js';
import type { CapturedPacket } from './index.js';

const trace = (packets: CapturedPacket[]) => annotate(tcpSegments(LINKTYPE.ETHERNET, packets));

describe('annotate', () => {
  it('names the handshake, a delayed ACK (net of the round trip), the release of held data, the response and the FIN timing', () => {
    const lines = trace(
      conversation((c, s) => [
        { atMs: 1, from: c, to: s, flags: 'P.', seq: 1001, ack: 5001, payload: 60 },
        { atMs: 41.2, from: s, to: c, flags: '.', seq: 5001, ack: 1061 },
        { atMs: 41.25, from: c, to: s, flags: 'P.', seq: 1061, ack: 5001, payload: 100 },
        { atMs: 41.4, from: s, to: c, flags: 'P.', seq: 5001, ack: 1161, payload: 40 },
        { atMs: 41.45, from: c, to: s, flags: '.', seq: 1161, ack: 5041 },
        { atMs: 1041.4, from: s, to: c, flags: 'F.', seq: 5041, ack: 1161 },
        { atMs: 1041.5, from: c, to: s, flags: 'F.', seq: 1161, ack: 5042 },
        { atMs: 1041.6, from: s, to: c, flags: '.', seq: 5042, ack: 1162 },
      ]),
    );
    expect(lines.map((l) => l.kind)).toEqual([
      'syn',
      'syn-ack',
      'handshake-ack',
      'data',
      'delayed-ack',
      'nagle-release',
      'data',
      'ack',
      'fin',
      'fin',
      'ack',
    ]);
    expect(lines[4]!.heldMs).toBeCloseTo(40.2 - 0.01, 1);
    expect(lines[4]!.annotation).toBe('ACK held 40.2 ms: delayed ACK');
    expect(lines[8]!.annotation).toBe('FIN 1000 ms after the last response');
    expect(lines[8]!.afterLastDataMs).toBeCloseTo(1000, 3);
    expect(lines[10]!.annotation).toBe('ACK of the FIN');
    // Relative numbers as tcpdump prints them.
    expect(formatTrace(lines, { names: 'roles' })[3]).toMatch(
      /^ +1\.000 ms {2}client > server {2}Flags \[P\.\], seq 1:61, ack 1, win 512, length 60 +request data$/,
    );
    expect(traceLineJson(lines[4]!)).toMatchObject({
      from: '10.0.0.2.80',
      to: '10.0.0.1.40000',
      flags: '.',
      ack: 61,
      win: 512,
      length: 0,
      kind: 'delayed-ack',
    });
  });

  it('numbers keepalive probes (seq = snd_una − 1) and the ACKs that answer them', () => {
    const lines = trace(
      conversation((c, s) => [
        { atMs: 1, from: c, to: s, flags: 'P.', seq: 1001, ack: 5001, payload: 10 },
        { atMs: 1.1, from: s, to: c, flags: '.', seq: 5001, ack: 1011 },
        { atMs: 2001, from: c, to: s, flags: '.', seq: 1010, ack: 5001 },
        { atMs: 2001.1, from: s, to: c, flags: '.', seq: 5001, ack: 1011 },
        { atMs: 3001, from: c, to: s, flags: '.', seq: 1010, ack: 5001 },
        { atMs: 4001, from: c, to: s, flags: '.', seq: 1010, ack: 5001 },
        { atMs: 5001, from: c, to: s, flags: 'R.', seq: 1011, ack: 5001 },
      ]),
    );
    const probes = lines.filter((l) => l.kind === 'keepalive');
    expect(probes.map((p) => p.probe)).toEqual([
      { number: 1, of: 3 },
      { number: 2, of: 3 },
      { number: 3, of: 3 },
    ]);
    expect(probes[0]!.annotation).toBe('keepalive probe 1 of 3: seq = snd_una − 1, no data');
    expect(probes[2]!.annotation).toBe('keepalive probe 3 of 3: seq = snd_una − 1, no data');
    expect(lines[6]!.kind).toBe('keepalive-ack');
    expect(lines.at(-1)!.annotation).toBe('RST: gives up after 2 unanswered keepalive probes');
  });

  it('finds retransmissions, duplicate ACKs, a zero window and an RST that drops unread data', () => {
    const lines = trace(
      conversation((c, s) => [
        { atMs: 1, from: c, to: s, flags: '.', seq: 1001, ack: 5001, payload: 1000 },
        { atMs: 1.1, from: c, to: s, flags: '.', seq: 2001, ack: 5001, payload: 1000 },
        { atMs: 1.2, from: s, to: c, flags: '.', seq: 5001, ack: 1001 },
        { atMs: 1.3, from: s, to: c, flags: '.', seq: 5001, ack: 1001 },
        { atMs: 201, from: c, to: s, flags: '.', seq: 1001, ack: 5001, payload: 1000 },
        { atMs: 201.1, from: s, to: c, flags: '.', seq: 5001, ack: 3001, win: 0 },
        { atMs: 202, from: s, to: c, flags: 'P.', seq: 5001, ack: 3001, payload: 100 },
        { atMs: 202.1, from: s, to: c, flags: 'R.', seq: 5101, ack: 3001 },
        { atMs: 202.2, from: c, to: s, flags: '.', seq: 3001, ack: 5101, payload: 1000 },
        { atMs: 202.3, from: s, to: c, flags: 'R', seq: 5101 },
      ]),
    );
    expect(lines.slice(3).map((l) => l.kind)).toEqual([
      'data',
      'data',
      'dup-ack',
      'dup-ack',
      'retransmission',
      'zero-window',
      'data',
      'rst',
      'data',
      'rst',
    ]);
    expect(lines[5]!.annotation).toBe('duplicate ACK 1: bytes after 1 missing');
    expect(lines[6]!.annotation).toBe('duplicate ACK 2: bytes after 1 missing');
    expect(lines[7]!.annotation).toBe('retransmission, 200 ms after the first send');
    expect(lines[10]!.annotation).toBe('RST: data left unread');
    expect(lines[12]!.annotation).toBe('RST again: the connection is already gone');
  });

  it('says when nothing listens, and skips packets that are not TCP', () => {
    const packets = conversation((c, s) => [{ atMs: 1, from: c, to: s, flags: 'S', seq: 7000 }]);
    const refused = trace([packets[0]!, { ...packets[1]!, data: Uint8Array.from(packets[1]!.data, (b, i) => (i === 47 ? 0x14 : b)) }]);
    expect(refused.map((l) => l.annotation)).toEqual(['SYN: the client opens the connection', 'RST: nothing listens on this port']);
    const arp = { timestampUs: 0, data: new Uint8Array(42).fill(0).map((b, i) => (i === 12 ? 0x08 : i === 13 ? 0x06 : b)), length: 42 };
    expect(tcpSegments(LINKTYPE.ETHERNET, [arp])).toEqual([]);
  });
});
