// Hand-built Ethernet/IPv4/TCP frames for tests that need a segment the kernel will not send on cue.
import type { CapturedPacket } from '../src/index.js';

export interface FrameSpec {
  atMs: number;
  from: [string, number];
  to: [string, number];
  flags: string; // tcpdump letters: S F R P .
  seq: number;
  ack?: number;
  win?: number;
  payload?: number;
}

function ip(text: string): number[] {
  return text.split('.').map(Number);
}

/** One frame as a captured packet (timestamps from 1 000 000 s after the epoch). */
export function frame(f: FrameSpec): CapturedPacket {
  const payload = f.payload ?? 0;
  const data = new Uint8Array(14 + 20 + 20 + payload);
  const view = new DataView(data.buffer);
  view.setUint16(12, 0x0800);
  view.setUint8(14, 0x45);
  view.setUint16(16, 20 + 20 + payload);
  view.setUint8(22, 64);
  view.setUint8(23, 6);
  data.set(ip(f.from[0]), 26);
  data.set(ip(f.to[0]), 30);
  const t = 34;
  view.setUint16(t, f.from[1]);
  view.setUint16(t + 2, f.to[1]);
  view.setUint32(t + 4, f.seq >>> 0);
  view.setUint32(t + 8, (f.ack ?? 0) >>> 0);
  view.setUint8(t + 12, 5 << 4);
  let bits = 0;
  for (const c of f.flags) bits |= { F: 1, S: 2, R: 4, P: 8, '.': 16 }[c] ?? 0;
  view.setUint8(t + 13, bits);
  view.setUint16(t + 14, f.win ?? 512);
  return { timestampUs: 1e12 + Math.round(f.atMs * 1000), data, length: data.length };
}

const C: [string, number] = ['10.0.0.1', 40000];
const S: [string, number] = ['10.0.0.2', 80];

/** A handshake at 0 ms (client ISN 1000, server ISN 5000), then whatever `rest` adds. */
export function conversation(rest: (c: [string, number], s: [string, number]) => FrameSpec[]): CapturedPacket[] {
  return [
    { atMs: 0, from: C, to: S, flags: 'S', seq: 1000 },
    { atMs: 0.01, from: S, to: C, flags: 'S.', seq: 5000, ack: 1001 },
    { atMs: 0.02, from: C, to: S, flags: '.', seq: 1001, ack: 5001 },
    ...rest(C, S),
  ].map(frame);
}
