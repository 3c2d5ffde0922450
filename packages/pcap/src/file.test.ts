import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINKTYPE, PcapError, PcapFileWriter, PcapFormatError, PcapTruncatedError, decodePcap, encodePcap } from './index.js';
import { conversation } from '../test/frames.js';

describe('pcap files', () => {
  const packets = conversation((c, s) => [{ atMs: 5.5, from: c, to: s, flags: 'P.', seq: 1001, ack: 5001, payload: 60 }]);

  it('reads back exactly what it wrote: link type, snap length, times to the microsecond, bytes, lengths', () => {
    const file = { linkType: LINKTYPE.ETHERNET, snapLength: 256, packets: [...packets, { ...packets[0]!, length: 1500 }] };
    const back = decodePcap(encodePcap(file));
    expect(back.linkType).toBe(LINKTYPE.ETHERNET);
    expect(back.snapLength).toBe(256);
    expect(back.packets).toHaveLength(5);
    back.packets.forEach((p, i) => {
      expect(p.timestampUs).toBe(file.packets[i]!.timestampUs);
      expect([...p.data]).toEqual([...file.packets[i]!.data]);
      expect(p.length).toBe(file.packets[i]!.length);
    });
  });

  it('writes the same file a packet at a time, cutting packets to the snap length', () => {
    const dir = mkdtempSync(join(tmpdir(), 'connlab-pcap-writer-'));
    try {
      const path = join(dir, 'w.pcap');
      const out = new PcapFileWriter(path, LINKTYPE.ETHERNET, 256);
      for (const p of packets) out.write(p);
      out.write({ ...packets[0]!, data: new Uint8Array(300), length: 300 });
      out.close();
      const back = decodePcap(readFileSync(path));
      expect(out.count).toBe(5);
      expect(encodePcap({ ...back, packets: back.packets.slice(0, 4) })).toEqual(
        encodePcap({ linkType: LINKTYPE.ETHERNET, snapLength: 256, packets }),
      );
      expect(back.packets[4]).toMatchObject({ length: 300 });
      expect(back.packets[4]!.data).toHaveLength(256);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads big-endian files with nanosecond timestamps, as other writers produce', () => {
    const le = encodePcap({ linkType: LINKTYPE.RAW, snapLength: 65535, packets: [] });
    const be = Buffer.alloc(24 + 16 + 4);
    be.writeUInt32BE(0xa1b23c4d, 0);
    be.writeUInt16BE(2, 4);
    be.writeUInt16BE(4, 6);
    be.writeUInt32BE(65535, 16);
    be.writeUInt32BE(LINKTYPE.RAW, 20);
    be.writeUInt32BE(1_700_000_000, 24);
    be.writeUInt32BE(123_456_789, 28);
    be.writeUInt32BE(4, 32);
    be.writeUInt32BE(40, 36);
    const file = decodePcap(be);
    expect(decodePcap(le).packets).toEqual([]);
    expect(file.linkType).toBe(LINKTYPE.RAW);
    expect(file.packets[0]).toMatchObject({ timestampUs: 1_700_000_000_123_456, length: 40 });
  });

  it('rejects a file that is not pcap, naming it, and pcapng with how to convert it', () => {
    expect(() => decodePcap(Buffer.from('GET / HTTP/1.1\r\n\r\n'), 'x.txt')).toThrow(PcapFormatError);
    expect(() => decodePcap(Buffer.from('GET / HTTP/1.1\r\n\r\n'), 'x.txt')).toThrow(/^x\.txt is not a pcap file: magic number 0x47455420/);
    expect(() => decodePcap(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0]), 'y.pcapng')).toThrow(/pcapng; convert it/);
    expect(() => decodePcap(Buffer.alloc(0), 'empty')).toThrow(/only 0 bytes/);
  });

  it('rejects a truncated file with the byte offset where it breaks', () => {
    const whole = encodePcap({ linkType: LINKTYPE.ETHERNET, snapLength: 256, packets });
    expect(() => decodePcap(whole.subarray(0, 20), 'cut.pcap')).toThrow(PcapTruncatedError);
    // One base for the package's errors, with the stable code callers switch on.
    expect(() => decodePcap(whole.subarray(0, 20), 'cut.pcap')).toThrow(PcapError);
    expect(() => decodePcap(whole.subarray(0, 20), 'cut.pcap')).toThrow(expect.objectContaining({ code: 'PCAP_TRUNCATED' }));
    expect(() => decodePcap(whole.subarray(0, whole.length - 10), 'cut.pcap')).toThrow(
      /^cut\.pcap is truncated: packet 4 \(114 bytes\) at byte \d+ runs past the end/,
    );
    expect(() => decodePcap(whole.subarray(0, 24 + 8), 'cut.pcap')).toThrow(/the header of packet 1 at byte 24/);
  });
});
