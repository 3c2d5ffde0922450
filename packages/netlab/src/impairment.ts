// What the delay line needs to know about a frame to impair it: is it a TCP
// segment, and does it carry data. Pure parsing of an Ethernet frame as the
// pump reads it (no VLAN tags: the line's veths carry none). @connlab/pcap's
// decodeTcp reads everything (addresses as text, options) for traces; the
// pump runs this on every frame at line rate and needs only these numbers.

/** The TCP facts of one frame. */
export interface SegmentInfo {
  srcPort: number;
  dstPort: number;
  seq: number;
  /** TCP flag bits: FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10 (RFC 9293 §3.1). */
  flags: number;
  /** Bytes of TCP payload: 0 for a pure ACK, SYN or FIN. */
  payloadBytes: number;
}

// Ethernet II: 6 + 6 address bytes, then the EtherType (IEEE 802.3).
const ETH_HEADER = 14;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const IPPROTO_TCP = 6;
const IPV6_HEADER = 40;

/**
 * The TCP segment in an Ethernet frame, or undefined for anything else
 * (ARP, UDP, ICMP, IPv6 with extension headers, a truncated frame).
 *
 * @example
 * ```ts
 * tcpSegment(frame)?.payloadBytes; // 1448 for a full data segment at MTU 1500 with timestamps
 * ```
 */
export function tcpSegment(frame: Buffer): SegmentInfo | undefined {
  if (frame.length < ETH_HEADER + 20) return undefined;
  const type = frame.readUInt16BE(12);
  let tcp: number;
  let ipPayload: number;
  if (type === ETHERTYPE_IPV4) {
    const ihl = (frame[ETH_HEADER]! & 0x0f) * 4;
    if (frame[ETH_HEADER + 9] !== IPPROTO_TCP) return undefined;
    tcp = ETH_HEADER + ihl;
    ipPayload = frame.readUInt16BE(ETH_HEADER + 2) - ihl;
  } else if (type === ETHERTYPE_IPV6) {
    if (frame[ETH_HEADER + 6] !== IPPROTO_TCP) return undefined;
    tcp = ETH_HEADER + IPV6_HEADER;
    ipPayload = frame.readUInt16BE(ETH_HEADER + 4);
  } else {
    return undefined;
  }
  if (frame.length < tcp + 20) return undefined;
  const dataOffset = (frame[tcp + 12]! >> 4) * 4;
  return {
    srcPort: frame.readUInt16BE(tcp),
    dstPort: frame.readUInt16BE(tcp + 2),
    seq: frame.readUInt32BE(tcp + 4),
    flags: frame[tcp + 13]!,
    payloadBytes: Math.max(0, ipPayload - dataOffset),
  };
}
