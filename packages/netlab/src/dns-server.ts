// A tiny authoritative DNS server (A records over UDP) so that a lesson can
// put name resolution on the far side of a delay line: the lookup then costs
// a real round trip, as an uncached query to a distant resolver does.
import { createSocket } from 'node:dgram';

export interface DnsServer {
  host: string;
  port: number;
  /** Queries answered so far. */
  readonly queries: number;
  close(): Promise<void>;
}

// RFC 1035 §4.1.1 header flags: QR (response), AA, RD copied, RA; RCODE 3 = NXDOMAIN.
const QR_AA_RA = 0x8480;
const RD = 0x0100;
const NXDOMAIN = 3;
const TYPE_A = 1;
const CLASS_IN = 1;

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  while (i < msg.length && msg[i]! > 0) {
    const len = msg[i]!;
    labels.push(msg.toString('latin1', i + 1, i + 1 + len));
    i += len + 1;
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

/** Build the answer to one query, or undefined for something that is not a query. */
export function answerDnsQuery(query: Buffer, records: Readonly<Record<string, string>>): Buffer | undefined {
  if (query.length < 12 || (query.readUInt16BE(2) & 0x8000) !== 0 || query.readUInt16BE(4) !== 1) return undefined;
  const { name, end } = readName(query, 12);
  if (end + 4 > query.length) return undefined;
  const qtype = query.readUInt16BE(end);
  const question = query.subarray(12, end + 4);
  const address = records[name];
  const answer = address && qtype === TYPE_A ? address.split('.').map(Number) : undefined;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(QR_AA_RA | (query.readUInt16BE(2) & RD) | (address ? 0 : NXDOMAIN), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answer ? 1 : 0, 6);
  if (!answer) return Buffer.concat([header, question]);
  // Name as a pointer to the question (0xC00C), TTL 0 so nothing caches it.
  const rr = Buffer.alloc(16);
  rr.writeUInt16BE(0xc00c, 0);
  rr.writeUInt16BE(TYPE_A, 2);
  rr.writeUInt16BE(CLASS_IN, 4);
  rr.writeUInt32BE(0, 6);
  rr.writeUInt16BE(4, 10);
  answer.forEach((b, i) => rr.writeUInt8(b, 12 + i));
  return Buffer.concat([header, question, rr]);
}

/**
 * Answer A queries for `records` (name → IPv4) on UDP `host:port`.
 *
 * @example
 * const dns = await serveDns({ 'server.connlab.test': '10.77.0.2' }, '10.77.0.2');
 * // elsewhere: new Resolver().setServers([`${dns.host}:${dns.port}`])
 */
export async function serveDns(records: Readonly<Record<string, string>>, host = '127.0.0.1', port = 0): Promise<DnsServer> {
  const socket = createSocket('udp4');
  let queries = 0;
  socket.on('message', (msg, rinfo) => {
    const reply = answerDnsQuery(msg, records);
    if (!reply) return;
    queries++;
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(port, host, resolve));
  const address = socket.address();
  return {
    host: address.address,
    port: address.port,
    get queries() {
      return queries;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
