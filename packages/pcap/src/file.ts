// The classic libpcap file format (not pcapng): a 24-byte file header, then
// per packet a 16-byte record header and the captured bytes.
// https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html (the format tcpdump -w writes)
import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { PcapFormatError, PcapTruncatedError } from './errors.js';

/** Link types from https://www.tcpdump.org/linktypes.html. */
export const LINKTYPE = {
  /** BSD loopback: a 4-byte host-order address family. */
  NULL: 0,
  ETHERNET: 1,
  /** Raw IPv4 or IPv6, no link header (what a TUN device carries). */
  RAW: 101,
  /** OpenBSD loopback: a 4-byte network-order address family. */
  LOOP: 108,
  /** Linux "cooked" capture v1 (tcpdump -i any). */
  LINUX_SLL: 113,
  /** Linux "cooked" capture v2. */
  LINUX_SLL2: 276,
} as const;

/** One captured packet. */
export interface CapturedPacket {
  /** Capture time, microseconds since the Unix epoch (an integer; exact in a double until the year 2255). */
  timestampUs: number;
  /** The bytes captured (at most the snap length). */
  data: Uint8Array;
  /** The packet's length on the wire; more than `data.length` when the snap length cut it. */
  length: number;
}

/** A whole pcap file. */
export interface PcapFile {
  linkType: number;
  snapLength: number;
  packets: CapturedPacket[];
}

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const MAGIC_PCAPNG = 0x0a0d0d0a;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;

function writeFileHeader(out: Buffer, linkType: number, snapLength: number): void {
  out.writeUInt32LE(MAGIC_US, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  // thiszone and sigfigs stay 0, as every modern writer leaves them.
  out.writeUInt32LE(snapLength, 16);
  out.writeUInt32LE(linkType, 20);
}

function writeRecord(out: Buffer, at: number, p: CapturedPacket): number {
  const seconds = Math.floor(p.timestampUs / 1e6);
  out.writeUInt32LE(seconds >>> 0, at);
  out.writeUInt32LE(Math.round(p.timestampUs - seconds * 1e6), at + 4);
  out.writeUInt32LE(p.data.length, at + 8);
  out.writeUInt32LE(Math.max(p.length, p.data.length), at + 12);
  out.set(p.data, at + RECORD_HEADER);
  return at + RECORD_HEADER + p.data.length;
}

/** Serialize packets as a little-endian, microsecond pcap file (version 2.4). */
export function encodePcap(file: PcapFile): Buffer {
  const total = FILE_HEADER + file.packets.reduce((sum, p) => sum + RECORD_HEADER + p.data.length, 0);
  const out = Buffer.alloc(total);
  writeFileHeader(out, file.linkType, file.snapLength);
  let at = FILE_HEADER;
  for (const p of file.packets) at = writeRecord(out, at, p);
  return out;
}

/**
 * A pcap file written a packet at a time with synchronous writes, for a
 * process that has no event loop to spare (the delay line's pump): what was
 * written is on disk even if the process is killed later.
 *
 * @example
 * ```ts
 * const out = new PcapFileWriter('line.pcap', LINKTYPE.ETHERNET);
 * out.write({ timestampUs, data: frame, length: frame.length });
 * out.close();
 * ```
 */
export class PcapFileWriter {
  private fd: number;
  private written = 0;

  constructor(
    readonly path: string,
    linkType: number,
    readonly snapLength = 262_144,
  ) {
    this.fd = openSync(path, 'w');
    const header = Buffer.alloc(FILE_HEADER);
    writeFileHeader(header, linkType, snapLength);
    writeSync(this.fd, header);
  }

  /** Packets written so far. */
  get count(): number {
    return this.written;
  }

  write(packet: CapturedPacket): void {
    if (this.fd < 0) return;
    const data = packet.data.length > this.snapLength ? packet.data.subarray(0, this.snapLength) : packet.data;
    const record = Buffer.alloc(RECORD_HEADER + data.length);
    writeRecord(record, 0, { ...packet, data, length: Math.max(packet.length, packet.data.length) });
    writeSync(this.fd, record);
    this.written += 1;
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}

/**
 * Parse a pcap file in either byte order, with microsecond or nanosecond
 * timestamps. Throws PcapFormatError for anything else (pcapng included) and
 * PcapTruncatedError when a header or packet runs past the end.
 *
 * @example
 * ```ts
 * const { linkType, packets } = decodePcap(await readFile('trace.pcap'), 'trace.pcap');
 * ```
 */
export function decodePcap(bytes: Uint8Array, source = 'input'): PcapFile {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4) throw new PcapFormatError(source, `only ${buf.length} bytes, a pcap file header has ${FILE_HEADER}`);
  const le = buf.readUInt32LE(0);
  const be = buf.readUInt32BE(0);
  if (le === MAGIC_PCAPNG)
    throw new PcapFormatError(source, 'it is pcapng; convert it with `editcap -F pcap IN OUT` or `tcpdump -r IN -w OUT`');
  const little = le === MAGIC_US || le === MAGIC_NS;
  if (!little && be !== MAGIC_US && be !== MAGIC_NS)
    throw new PcapFormatError(source, `magic number 0x${be.toString(16).padStart(8, '0')} is not 0xa1b2c3d4 or 0xa1b23c4d`);
  const nano = (little ? le : be) === MAGIC_NS;
  const u32 = (at: number) => (little ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  if (buf.length < FILE_HEADER) throw new PcapTruncatedError(source, 0, 'the file header');
  const major = little ? buf.readUInt16LE(4) : buf.readUInt16BE(4);
  if (major !== 2) throw new PcapFormatError(source, `version ${major}, expected 2`);
  const snapLength = u32(16);
  // The top bits of the link-type field carry FCS flags (RFC draft §4); the type is the low 16 bits.
  const linkType = u32(20) & 0xffff;
  const packets: CapturedPacket[] = [];
  let at = FILE_HEADER;
  while (at < buf.length) {
    if (at + RECORD_HEADER > buf.length) throw new PcapTruncatedError(source, at, `the header of packet ${packets.length + 1}`);
    const seconds = u32(at);
    const fraction = u32(at + 4);
    const captured = u32(at + 8);
    const length = u32(at + 12);
    if (at + RECORD_HEADER + captured > buf.length)
      throw new PcapTruncatedError(source, at + RECORD_HEADER, `packet ${packets.length + 1} (${captured} bytes)`);
    packets.push({
      timestampUs: seconds * 1e6 + (nano ? Math.floor(fraction / 1000) : fraction),
      data: Uint8Array.prototype.slice.call(buf, at + RECORD_HEADER, at + RECORD_HEADER + captured),
      length,
    });
    at += RECORD_HEADER + captured;
  }
  return { linkType, snapLength, packets };
}

/** Write a pcap file (see {@link encodePcap}). */
export async function writePcapFile(path: string, file: PcapFile): Promise<void> {
  await writeFile(path, encodePcap(file));
}

/** Read and parse a pcap file (see {@link decodePcap}); errors name the path. */
export async function readPcapFile(path: string): Promise<PcapFile> {
  return decodePcap(await readFile(path), path);
}
