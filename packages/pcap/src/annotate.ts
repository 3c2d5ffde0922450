// Follow each TCP connection through a capture and name what every segment
// does: handshake, data, a delayed ACK, a retransmission, a keepalive probe,
// a FIN and how long after the last data it came, an RST and why.
import type { TcpSegment } from './decode.js';

/** What a segment does, for code that picks segments (lessons) rather than reading the phrase. */
export type SegmentKind =
  | 'syn'
  | 'syn-ack'
  | 'handshake-ack'
  | 'data'
  | 'nagle-release'
  | 'retransmission'
  | 'ack'
  | 'delayed-ack'
  | 'dup-ack'
  | 'window-update'
  | 'zero-window'
  | 'keepalive'
  | 'keepalive-ack'
  | 'fin'
  | 'rst';

export type Role = 'client' | 'server';

/** One segment with its connection, relative numbers and annotation. */
export interface TraceLine {
  segment: TcpSegment;
  /** Connection number in order of first appearance, from 0. */
  connection: number;
  /** Milliseconds since the first packet of the trace. */
  timeMs: number;
  /** Who sent it: the client is the side that sent the first SYN (without a SYN: the higher port). */
  from: Role;
  /** Sequence number relative to the sender's initial sequence number (tcpdump's relative seq). */
  seq: number;
  /** End of the segment's sequence range (seq + payload, + 1 for SYN and FIN). */
  seqEnd: number;
  /** Acknowledgment number relative to the receiver's initial sequence number; undefined without the ACK flag. */
  ack: number | undefined;
  kind: SegmentKind;
  /** One phrase saying what the segment does, e.g. "ACK held 40 ms: delayed ACK". */
  annotation: string;
  /** For delayed ACKs: how long the receiver held the ACK, net of the capture point's round trip. */
  heldMs?: number;
  /** For keepalive probes: this probe's number and how many the run had. */
  probe?: { number: number; of: number };
  /** For FIN: ms since the sender's last data segment (null: it sent none). */
  afterLastDataMs?: number | null;
}

export interface AnnotateOptions {
  /** A pure ACK held at least this long past the round trip counts as delayed (default 10 ms). */
  delayedAckMs?: number;
}

interface Side {
  ip: string;
  port: number;
  base: number;
  /** Highest sequence number sent + 1 (absolute). */
  nxt: number;
  /** Highest acknowledgment received from the peer (absolute), i.e. snd_una as seen on the wire. */
  una: number | undefined;
  seenSeq: boolean;
  synAt: number | undefined;
  firstSent: Map<number, number>;
  lastDataUs: number | undefined;
  lastDataIndex: number | undefined;
  lastDataLength: number;
  largestPayload: number;
  finSent: boolean;
  finAt: number | undefined;
  rstSent: number;
  lastAck: number | undefined;
  lastWindow: number | undefined;
  dupAcks: number;
  /** Data segments from this side that the peer has not acknowledged yet: [end, time µs]. */
  unacked: [number, number][];
  /** When the peer last acknowledged all of this side's outstanding data (µs). */
  ackedAllAt: number | undefined;
  probes: TraceLine[][];
  receivedData: boolean;
}

interface Connection {
  id: number;
  client: Side;
  server: Side;
  synAckAt: number | undefined;
  handshakeAckAt: number | undefined;
  /** The connection's previous segment, and each side's. */
  last: TraceLine | undefined;
  lastFrom: Record<Role, TraceLine | undefined>;
}

const u32 = (n: number) => n >>> 0;
/** a − b in sequence space (RFC 9293 §3.4: arithmetic modulo 2^32). */
const diff = (a: number, b: number) => u32(a - b) | 0;

function side(ip: string, port: number): Side {
  return {
    ip,
    port,
    base: 0,
    nxt: 0,
    una: undefined,
    seenSeq: false,
    synAt: undefined,
    firstSent: new Map(),
    lastDataUs: undefined,
    lastDataIndex: undefined,
    lastDataLength: 0,
    largestPayload: 0,
    finSent: false,
    finAt: undefined,
    rstSent: 0,
    lastAck: undefined,
    lastWindow: undefined,
    dupAcks: 0,
    unacked: [],
    ackedAllAt: undefined,
    probes: [],
    receivedData: false,
  };
}

const key = (ip: string, port: number) => `${ip}|${port}`;
const ms = (us: number) => us / 1000;
function fmt(msValue: number): string {
  if (msValue >= 100) return `${Math.round(msValue)} ms`;
  if (msValue >= 1) return `${Number(msValue.toFixed(1))} ms`;
  return `${Math.round(msValue * 1000)} µs`;
}

/**
 * Follow every TCP connection in `segments` (capture order) and annotate each
 * segment with one phrase. Works on any capture point: round trips seen in
 * the handshake are subtracted before an ACK counts as delayed.
 *
 * @example
 * ```ts
 * const lines = annotate(tcpSegments(file.linkType, file.packets));
 * lines.filter((l) => l.kind === 'delayed-ack').map((l) => l.heldMs); // [40.2, 40.1, …]
 * ```
 */
export function annotate(segments: readonly TcpSegment[], options: AnnotateOptions = {}): TraceLine[] {
  const delayedAckMs = options.delayedAckMs ?? 10;
  const connections = new Map<string, Connection>();
  const order: Connection[] = [];
  const lines: TraceLine[] = [];
  const t0 = segments[0]?.timestampUs ?? 0;

  for (const s of segments) {
    const a = key(s.src, s.srcPort);
    const b = key(s.dst, s.dstPort);
    const id = a < b ? `${a}>${b}` : `${b}>${a}`;
    let conn = connections.get(id);
    // A new SYN on a 4-tuple whose connection has ended starts a new connection.
    if (conn && s.flags.syn && !s.flags.ack && (conn.client.finSent || conn.server.finSent || conn.client.rstSent || conn.server.rstSent))
      conn = undefined;
    if (!conn) {
      const sender = side(s.src, s.srcPort);
      const receiver = side(s.dst, s.dstPort);
      const senderIsClient = s.flags.syn ? !s.flags.ack : s.srcPort > s.dstPort;
      conn = {
        id: order.length,
        client: senderIsClient ? sender : receiver,
        server: senderIsClient ? receiver : sender,
        synAckAt: undefined,
        handshakeAckAt: undefined,
        last: undefined,
        lastFrom: { client: undefined, server: undefined },
      };
      connections.set(id, conn);
      order.push(conn);
    }
    const fromClient = conn.client.ip === s.src && conn.client.port === s.srcPort;
    const me = fromClient ? conn.client : conn.server;
    const peer = fromClient ? conn.server : conn.client;
    const role: Role = fromClient ? 'client' : 'server';
    const now = s.timestampUs;

    if (!me.seenSeq) {
      me.seenSeq = true;
      me.base = s.flags.syn ? s.seq : u32(s.seq - 1);
      me.nxt = s.seq;
    }
    if (s.flags.ack && !peer.seenSeq) {
      peer.seenSeq = true;
      peer.base = u32(s.ack - 1);
      peer.nxt = s.ack;
    }
    const length = s.payloadLength + (s.flags.syn ? 1 : 0) + (s.flags.fin ? 1 : 0);
    const end = u32(s.seq + length);
    const line: TraceLine = {
      segment: s,
      connection: conn.id,
      timeMs: ms(now - t0),
      from: role,
      seq: u32(s.seq - me.base),
      seqEnd: u32(end - me.base),
      ack: s.flags.ack ? u32(s.ack - peer.base) : undefined,
      kind: 'ack',
      annotation: 'ACK',
    };

    // Round trip from the capture point to each side, from the handshake (0 when unseen).
    const rttToServer = conn.synAckAt !== undefined && conn.client.synAt !== undefined ? conn.synAckAt - conn.client.synAt : 0;
    const rttToClient = conn.handshakeAckAt !== undefined && conn.synAckAt !== undefined ? conn.handshakeAckAt - conn.synAckAt : 0;
    const myRtt = fromClient ? rttToClient : rttToServer;

    // What this segment acknowledges, before its own classification.
    let newlyAckedFrom: number | undefined; // time the oldest newly acknowledged peer segment passed
    let ackedPeerFin = false;
    if (s.flags.ack) {
      if (peer.una === undefined || diff(s.ack, peer.una) > 0) {
        while (peer.unacked.length > 0 && diff(s.ack, peer.unacked[0]![0]) >= 0) {
          const [, at] = peer.unacked.shift()!;
          newlyAckedFrom ??= at;
        }
        if (newlyAckedFrom !== undefined && peer.unacked.length === 0) peer.ackedAllAt = now;
        peer.una = s.ack;
      }
      ackedPeerFin = peer.finSent && s.ack === peer.nxt;
    }
    const isProbe =
      !s.flags.syn &&
      !s.flags.fin &&
      !s.flags.rst &&
      s.payloadLength <= 1 &&
      me.una !== undefined &&
      s.seq === u32(me.una - 1) &&
      me.nxt === me.una;

    if (s.flags.rst) {
      line.kind = 'rst';
      const lastProbes = me.probes.at(-1);
      const lastOwn = conn.lastFrom[role];
      if (me.rstSent > 0) line.annotation = 'RST again: the connection is already gone';
      else if (lastProbes && lastOwn?.kind === 'keepalive') {
        const answeredAt = conn.lastFrom[role === 'client' ? 'server' : 'client']?.segment.index ?? -1;
        line.annotation = `RST: gives up after ${lastProbes.filter((p) => p.segment.index > answeredAt).length} unanswered keepalive probes`;
      } else if (lastOwn?.kind === 'retransmission') line.annotation = 'RST: gives up after unanswered retransmissions';
      else if (!fromClient && conn.synAckAt === undefined) line.annotation = 'RST: nothing listens on this port';
      else if (!me.finSent && me.receivedData) line.annotation = 'RST: data left unread';
      else if (me.finAt !== undefined && peer.lastDataUs !== undefined && peer.lastDataUs > me.finAt)
        line.annotation = 'RST: data arrived after close';
      else line.annotation = 'RST: connection aborted';
      me.rstSent += 1;
    } else if (s.flags.syn && !s.flags.ack) {
      line.kind = 'syn';
      line.annotation =
        me.synAt === undefined ? 'SYN: the client opens the connection' : `SYN retransmitted ${fmt(ms(now - me.synAt))} after the first`;
      me.synAt ??= now;
      me.nxt = end;
    } else if (s.flags.syn) {
      line.kind = 'syn-ack';
      line.annotation = conn.synAckAt === undefined ? 'SYN-ACK: the server accepts' : 'SYN-ACK retransmitted';
      conn.synAckAt ??= now;
      me.nxt = end;
    } else if (isProbe) {
      line.kind = 'keepalive';
      const run = me.probes[me.probes.length - 1];
      if (run && run[run.length - 1]!.segment.index > (me.lastDataIndex ?? -1)) run.push(line);
      else me.probes.push([line]);
    } else if (s.payloadLength > 0 && diff(me.nxt, s.seq) > 0) {
      line.kind = 'retransmission';
      const first = me.firstSent.get(s.seq);
      line.annotation = first === undefined ? 'retransmission' : `retransmission, ${fmt(ms(now - first))} after the first send`;
    } else if (s.payloadLength > 0) {
      // Nagle (RFC 896) holds a small segment while an earlier small one is unacknowledged, and sends it when the ACK comes.
      const previousSmall = me.lastDataUs !== undefined && me.lastDataLength < Math.max(me.largestPayload, 536) && me.unacked.length === 0;
      const lastPeer = conn.last;
      const releasedByAck =
        lastPeer !== undefined &&
        lastPeer.from !== role &&
        lastPeer.segment.timestampUs === me.ackedAllAt &&
        lastPeer.segment.payloadLength === 0 &&
        !lastPeer.segment.flags.fin &&
        now - lastPeer.segment.timestampUs < 1000;
      if (previousSmall && releasedByAck && me.lastDataUs !== undefined && ms(now - me.lastDataUs) - ms(myRtt) > delayedAckMs) {
        line.kind = 'nagle-release';
        line.annotation = `sent as the ACK came: Nagle held it ${fmt(ms(now - me.lastDataUs))}`;
      } else {
        line.kind = 'data';
        line.annotation = `${role === 'client' ? 'request' : 'response'} data${peer.finSent ? " after the peer's FIN" : ''}`;
      }
      if (s.flags.fin) line.annotation += ', then FIN';
      me.firstSent.set(s.seq, now);
      me.nxt = end;
      me.unacked.push([end, now]);
      me.lastDataUs = now;
      me.lastDataIndex = s.index;
      me.lastDataLength = s.payloadLength;
      me.largestPayload = Math.max(me.largestPayload, s.payloadLength);
      peer.receivedData = true;
    }

    if (s.flags.fin && !s.flags.rst) {
      if (s.payloadLength === 0) {
        line.kind = 'fin';
        const since = me.lastDataUs === undefined ? null : ms(now - me.lastDataUs);
        line.afterLastDataMs = since;
        const what = role === 'server' ? 'response' : 'request';
        if (peer.finSent) line.annotation = `FIN: closes the other half, ${fmt(ms(now - (peer.finAt ?? now)))} after the peer's FIN`;
        else if (since === null) line.annotation = 'FIN: closes without sending data';
        else line.annotation = `FIN ${fmt(since)} after the last ${what}`;
        me.nxt = end;
      }
      if (!me.finSent) {
        me.finSent = true;
        me.finAt = now;
      }
    }

    if (line.kind === 'ack' && s.flags.ack && s.payloadLength === 0 && !s.flags.syn && !s.flags.fin && !s.flags.rst) {
      const lastProbe = peer.probes[peer.probes.length - 1]?.at(-1);
      if (conn.handshakeAckAt === undefined && fromClient && conn.synAckAt !== undefined) {
        line.kind = 'handshake-ack';
        line.annotation = 'ACK: handshake complete';
        conn.handshakeAckAt = now;
      } else if (lastProbe && s.ack === peer.nxt && lastProbe.segment.index > (conn.lastFrom[role]?.segment.index ?? -1)) {
        line.kind = 'keepalive-ack';
        line.annotation = 'ACK of a keepalive probe: the peer is alive';
      } else if (s.window === 0) {
        line.kind = 'zero-window';
        line.annotation = "zero window: the receiver's buffer is full";
      } else if (newlyAckedFrom !== undefined && ms(now - newlyAckedFrom) - ms(myRtt) >= delayedAckMs) {
        line.kind = 'delayed-ack';
        line.heldMs = ms(now - newlyAckedFrom) - ms(myRtt);
        line.annotation = `ACK held ${fmt(line.heldMs)}: delayed ACK`;
      } else if (newlyAckedFrom === undefined && s.ack === me.lastAck && s.window === me.lastWindow && diff(peer.nxt, s.ack) > 0) {
        me.dupAcks += 1;
        line.kind = 'dup-ack';
        line.annotation = `duplicate ACK ${me.dupAcks}: bytes after ${u32(s.ack - peer.base)} missing`;
      } else if (newlyAckedFrom === undefined && s.ack === me.lastAck && s.window !== me.lastWindow) {
        line.kind = 'window-update';
        line.annotation = `window update: ${s.window}`;
      } else if (ackedPeerFin) {
        line.annotation = 'ACK of the FIN';
      } else {
        line.annotation = newlyAckedFrom === undefined ? 'ACK' : 'ACK of new data';
      }
    }
    if (s.flags.ack) {
      if (s.ack !== me.lastAck) me.dupAcks = 0;
      me.lastAck = s.ack;
      me.lastWindow = s.window;
    }
    conn.last = line;
    conn.lastFrom[role] = line;
    lines.push(line);
  }

  // Keepalive probes get their number and the run's total once the run is complete.
  for (const conn of order) {
    for (const s of [conn.client, conn.server]) {
      for (const run of s.probes) {
        run.forEach((line, i) => {
          line.probe = { number: i + 1, of: run.length };
          line.annotation = `keepalive probe ${i + 1} of ${run.length}: seq = snd_una − 1, ${line.segment.payloadLength === 0 ? 'no data' : '1 byte of old data'}`;
        });
      }
    }
  }
  return lines;
}
