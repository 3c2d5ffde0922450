// From link-layer bytes to a TCP segment: Ethernet / raw IP / Linux cooked /
// BSD loopback, then IPv4 (RFC 791) or IPv6 (RFC 8200), then TCP (RFC 9293 §3.1).
import { PcapLinkTypeError } from './errors.js';
import { LINKTYPE } from './file.js';
import type { CapturedPacket } from './file.js';

/** TCP flags, as tcpdump names them (S F R P . U E W). */
export interface TcpFlags {
  syn: boolean;
  ack: boolean;
  fin: boolean;
  rst: boolean;
  psh: boolean;
  urg: boolean;
  ece: boolean;
  cwr: boolean;
}

/** The TCP options tcpdump shows on a SYN and on most segments. */
export interface TcpOptions {
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  timestamp?: { value: number; echo: number };
  sack?: [number, number][];
}

/** One TCP segment from a capture. */
export interface TcpSegment {
  /** Position in the capture, from 0. */
  index: number;
  timestampUs: number;
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** Absolute sequence and acknowledgment numbers (unsigned 32-bit). */
  seq: number;
  ack: number;
  flags: TcpFlags;
  /** The window field as sent (before any window scaling). */
  window: number;
  /** TCP payload bytes on the wire (from the IP length, so a short snap length does not hide them). */
  payloadLength: number;
  options: TcpOptions;
}

const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
const ETH_P_8021Q = 0x8100;
const IPPROTO_TCP = 6;

function ipv4(bytes: Uint8Array, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

/** RFC 5952 text form: lowercase, longest zero run as "::". */
function ipv6(view: DataView, at: number): string {
  const words = Array.from({ length: 8 }, (_, i) => view.getUint16(at + i * 2));
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

/** Where the IP header starts and which version it is, or undefined for a non-IP frame. */
function ipStart(linkType: number, data: Uint8Array, view: DataView): number | undefined {
  const etherType = (at: number): number | undefined => (data.length >= at + 2 ? view.getUint16(at) : undefined);
  switch (linkType) {
    case LINKTYPE.ETHERNET: {
      let type = etherType(12);
      let at = 14;
      if (type === ETH_P_8021Q) {
        type = etherType(16);
        at = 18;
      }
      return type === ETH_P_IP || type === ETH_P_IPV6 ? at : undefined;
    }
    case LINKTYPE.RAW:
      return 0;
    case LINKTYPE.LINUX_SLL: {
      const type = etherType(14);
      return type === ETH_P_IP || type === ETH_P_IPV6 ? 16 : undefined;
    }
    case LINKTYPE.LINUX_SLL2: {
      const type = etherType(0);
      return type === ETH_P_IP || type === ETH_P_IPV6 ? 20 : undefined;
    }
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP:
      // The family's value differs by OS and byte order; the IP version nibble says the rest.
      return 4;
    default:
      throw new PcapLinkTypeError(linkType);
  }
}

function parseOptions(view: DataView, from: number, to: number): TcpOptions {
  const options: TcpOptions = {};
  let at = from;
  while (at < to) {
    const kind = view.getUint8(at);
    if (kind === 0) break; // end of option list
    if (kind === 1) {
      at += 1; // no-op padding
      continue;
    }
    if (at + 1 >= to) break;
    const length = view.getUint8(at + 1);
    if (length < 2 || at + length > to) break;
    if (kind === 2 && length === 4) options.mss = view.getUint16(at + 2);
    else if (kind === 3 && length === 3) options.windowScale = view.getUint8(at + 2);
    else if (kind === 4) options.sackPermitted = true;
    else if (kind === 8 && length === 10) options.timestamp = { value: view.getUint32(at + 2), echo: view.getUint32(at + 6) };
    else if (kind === 5) {
      options.sack = [];
      for (let b = at + 2; b + 8 <= at + length; b += 8) options.sack.push([view.getUint32(b), view.getUint32(b + 4)]);
    }
    at += length;
  }
  return options;
}

/**
 * Decode one captured packet as TCP over IPv4/IPv6. Returns undefined for
 * anything else (ARP, UDP, ICMP, IPv4 fragments after the first, frames cut
 * before the TCP header ends). Throws PcapLinkTypeError for an unknown link type.
 */
export function decodeTcp(linkType: number, packet: CapturedPacket, index = 0): TcpSegment | undefined {
  const { data } = packet;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const ip = ipStart(linkType, data, view);
  if (ip === undefined || data.length < ip + 20) return undefined;
  const version = view.getUint8(ip) >> 4;
  let tcp: number;
  let payloadEnd: number;
  let src: string;
  let dst: string;
  if (version === 4) {
    const headerLength = (view.getUint8(ip) & 0x0f) * 4;
    if (view.getUint8(ip + 9) !== IPPROTO_TCP || (view.getUint16(ip + 6) & 0x1fff) !== 0) return undefined;
    tcp = ip + headerLength;
    // Loopback hands the capture a GSO super-packet whose total length is 0 above 64 KiB; use the frame then.
    const total = view.getUint16(ip + 2);
    payloadEnd = ip + (total === 0 ? packet.length - ip : total);
    src = ipv4(data, ip + 12);
    dst = ipv4(data, ip + 16);
  } else if (version === 6) {
    if (data.length < ip + 40) return undefined;
    // Extension headers are not followed: lab traffic carries none.
    if (view.getUint8(ip + 6) !== IPPROTO_TCP) return undefined;
    tcp = ip + 40;
    payloadEnd = tcp + view.getUint16(ip + 4);
    src = ipv6(view, ip + 8);
    dst = ipv6(view, ip + 24);
  } else {
    return undefined;
  }
  if (data.length < tcp + 20) return undefined;
  const dataOffset = (view.getUint8(tcp + 12) >> 4) * 4;
  const bits = view.getUint8(tcp + 13);
  return {
    index,
    timestampUs: packet.timestampUs,
    ipVersion: version,
    src,
    dst,
    srcPort: view.getUint16(tcp),
    dstPort: view.getUint16(tcp + 2),
    seq: view.getUint32(tcp + 4),
    ack: view.getUint32(tcp + 8),
    flags: {
      fin: (bits & 0x01) !== 0,
      syn: (bits & 0x02) !== 0,
      rst: (bits & 0x04) !== 0,
      psh: (bits & 0x08) !== 0,
      ack: (bits & 0x10) !== 0,
      urg: (bits & 0x20) !== 0,
      ece: (bits & 0x40) !== 0,
      cwr: (bits & 0x80) !== 0,
    },
    window: view.getUint16(tcp + 14),
    payloadLength: Math.max(0, payloadEnd - tcp - dataOffset),
    options: parseOptions(view, tcp + 20, Math.min(tcp + dataOffset, data.length)),
  };
}

/** Every TCP segment of a capture, in capture order (non-TCP packets are skipped). */
export function tcpSegments(linkType: number, packets: readonly CapturedPacket[]): TcpSegment[] {
  const out: TcpSegment[] = [];
  packets.forEach((p, i) => {
    const segment = decodeTcp(linkType, p, i);
    if (segment) out.push(segment);
  });
  return out;
}

/** tcpdump's flag letters: S SYN, F FIN, R RST, P PSH, . ACK, U URG, E ECE, W CWR. */
export function flagLetters(flags: TcpFlags): string {
  let s = '';
  if (flags.syn) s += 'S';
  if (flags.fin) s += 'F';
  if (flags.rst) s += 'R';
  if (flags.psh) s += 'P';
  if (flags.urg) s += 'U';
  if (flags.ece) s += 'E';
  if (flags.cwr) s += 'W';
  if (flags.ack) s += '.';
  return s || 'none';
}
