// connlab trace: a pcap file in, annotated tcpdump-style lines out; bad files exit 1, bad arguments exit 2.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LINKTYPE, encodePcap } from '@connlab/pcap';
import type { CapturedPacket } from '@connlab/pcap';
import { cli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'connlab-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A raw-IP (LINKTYPE_RAW, as a TUN device carries) IPv4/TCP packet. */
function packet(atMs: number, fromClient: boolean, flags: number, seq: number, ack: number, payload = 0): CapturedPacket {
  const data = Buffer.alloc(40 + payload);
  data.writeUInt8(0x45, 0);
  data.writeUInt16BE(40 + payload, 2);
  data.writeUInt8(6, 9);
  Buffer.from(fromClient ? [10, 0, 0, 1, 10, 0, 0, 2] : [10, 0, 0, 2, 10, 0, 0, 1]).copy(data, 12);
  data.writeUInt16BE(fromClient ? 40000 : 80, 20);
  data.writeUInt16BE(fromClient ? 80 : 40000, 22);
  data.writeUInt32BE(seq, 24);
  data.writeUInt32BE(ack, 28);
  data.writeUInt8(0x50, 32);
  data.writeUInt8(flags, 33);
  data.writeUInt16BE(512, 34);
  return { timestampUs: 1_700_000_000_000_000 + atMs * 1000, data, length: data.length };
}

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;
const file = join(dir, 'raw.pcap');
writeFileSync(
  file,
  encodePcap({
    linkType: LINKTYPE.RAW,
    snapLength: 65535,
    packets: [
      packet(0, true, SYN, 100, 0),
      packet(1, false, SYN | ACK, 900, 101),
      packet(2, true, ACK, 101, 901),
      packet(3, true, PSH | ACK, 101, 901, 20),
      packet(4, false, PSH | ACK, 901, 121, 30),
      packet(5, true, ACK, 121, 931),
      packet(1005, false, FIN | ACK, 931, 121),
    ],
  }),
);

describe('connlab trace', () => {
  it('prints every segment tcpdump-style with relative numbers and an annotation', async () => {
    const { code, stdout } = await cli('trace', file);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${file}: 7 packets (raw IP), 7 TCP segments in 1 connection; times in ms from the first segment shown`);
    expect(lines[2]).toMatch(
      /^ +0\.000 ms {2}10\.0\.0\.1\.40000 > 10\.0\.0\.2\.80 {2}Flags \[S\], seq 0, win 512, length 0 +SYN: the client opens the connection$/,
    );
    expect(lines[5]).toMatch(/Flags \[P\.\], seq 1:21, ack 1, win 512, length 20 +request data$/);
    expect(lines[8]).toMatch(
      /^1005\.000 ms {2}10\.0\.0\.2\.80 > 10\.0\.0\.1\.40000 +Flags \[F\.\], seq 31, ack 21, .* {2}FIN 1001 ms after the last response$/,
    );
  });

  it('prints JSON with --json', async () => {
    const { code, stdout } = await cli('trace', file, '--json');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { packets: number; connections: number; segments: { flags: string; kind: string }[] };
    expect(json).toMatchObject({ packets: 7, connections: 1 });
    expect(json.segments.map((s) => s.flags)).toEqual(['S', 'S.', '.', 'P.', 'P.', '.', 'F.']);
    expect(json.segments.at(-1)).toMatchObject({ kind: 'fin', annotation: 'FIN 1001 ms after the last response', timeMs: 1005 });
  });

  it('rejects a truncated file and a file that is not pcap with one line and exit code 1', async () => {
    const cut = join(dir, 'cut.pcap');
    const whole = encodePcap({ linkType: LINKTYPE.RAW, snapLength: 65535, packets: [packet(0, true, SYN, 1, 0)] });
    writeFileSync(cut, whole.subarray(0, whole.length - 1));
    const truncated = await cli('trace', cut);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toBe(`connlab: ${cut} is truncated: packet 1 (40 bytes) at byte 40 runs past the end of the file\n`);
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a capture\n');
    const wrong = await cli('trace', text);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^connlab: .*notes\.txt is not a pcap file: magic number 0x6e6f7420 is not 0xa1b2c3d4 or 0xa1b23c4d\n$/);
    const missing = await cli('trace', join(dir, 'none.pcap'));
    expect(missing.code).toBe(1);
    expect(missing.stderr.split('\n')).toHaveLength(2);
  });

  it('answers bad arguments with one line and exit code 2', async () => {
    for (const argv of [['trace'], ['trace', file, '--connection', 'x'], ['trace', file, '--bogus'], ['trace', file, 'extra']]) {
      const { code, stderr } = await cli(...argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr.trimEnd().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });
});
