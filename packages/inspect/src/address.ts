// Addresses in /proc/net/tcp{,6} are hex dumps of the kernel's in-memory
// bytes: each 32-bit word in host byte order (little-endian here), ports as
// plain hex numbers (net/ipv4/tcp_ipv4.c get_tcp4_sock, net/ipv6/tcp_ipv6.c get_tcp6_sock).
import { endianness } from 'node:os';

function wordBytes(hex8: string): number[] {
  const bytes = [0, 2, 4, 6].map((i) => Number.parseInt(hex8.slice(i, i + 2), 16));
  return endianness() === 'LE' ? bytes.reverse() : bytes;
}

/** "0100007F" → "127.0.0.1". */
export function decodeIpv4(hex: string): string {
  return wordBytes(hex).join('.');
}

/** Compressed IPv6 text (RFC 5952): longest zero run as "::", IPv4-mapped as ::ffff:a.b.c.d. */
export function formatIpv6(bytes: readonly number[]): string {
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not compressed (RFC 5952 4.2.2)
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** "00000000000000000000000001000000" → "::1". */
export function decodeIpv6(hex: string): string {
  const bytes = [0, 8, 16, 24].flatMap((i) => wordBytes(hex.slice(i, i + 8)));
  return formatIpv6(bytes);
}

/** "0100007F:1F90" → { address: "127.0.0.1", port: 8080 }. */
export function decodeEndpoint(text: string): { address: string; port: number } {
  const [hexAddress = '', hexPort = ''] = text.split(':');
  const address = hexAddress.length === 8 ? decodeIpv4(hexAddress) : decodeIpv6(hexAddress);
  return { address, port: Number.parseInt(hexPort, 16) };
}
