// tcpdump-style text for annotated segments, and a JSON form of the same fields.
import { flagLetters } from './decode.js';
import type { TraceLine } from './annotate.js';

export interface FormatOptions {
  /**
   * How endpoints are named: 'roles' prints `client > server` (one connection,
   * as lessons show it); 'addresses' prints `10.0.0.1.43210 > 10.0.0.2.80` as tcpdump does.
   * Default 'addresses'.
   */
  names?: 'roles' | 'addresses';
  /** Time origin in ms on the lines' clock (default: the first line's time). */
  originMs?: number;
}

/** `10.0.0.1.80` (and `::1.80`): tcpdump joins address and port with a dot. */
function endpoint(ip: string, port: number): string {
  return `${ip}.${port}`;
}

/** The tcpdump part of one line, without time or annotation: `Flags [P.], seq 1:61, ack 1, win 512, length 60`. */
export function tcpdumpFields(line: TraceLine): string {
  const s = line.segment;
  const parts = [`Flags [${flagLetters(s.flags)}]`];
  if (s.payloadLength > 0) parts.push(`seq ${line.seq}:${line.seq + s.payloadLength}`);
  else if (s.flags.syn || s.flags.fin || s.flags.rst || line.kind === 'keepalive') parts.push(`seq ${line.seq}`);
  if (line.ack !== undefined) parts.push(`ack ${line.ack}`);
  parts.push(`win ${s.window}`, `length ${s.payloadLength}`);
  return parts.join(', ');
}

function direction(line: TraceLine, names: 'roles' | 'addresses'): string {
  const s = line.segment;
  if (names === 'roles') return line.from === 'client' ? 'client > server' : 'server > client';
  return `${endpoint(s.src, s.srcPort)} > ${endpoint(s.dst, s.dstPort)}`;
}

/**
 * One text line per segment: relative time in ms, direction, tcpdump's
 * fields, then the annotation; columns are padded so annotations line up.
 *
 * @example
 * ```ts
 * formatTrace(lines, { names: 'roles' });
 * // ['   0.000 ms  client > server  Flags [S], seq 0, win 65495, length 0   SYN: the client opens the connection', …]
 * ```
 */
export function formatTrace(lines: readonly TraceLine[], options: FormatOptions = {}): string[] {
  const names = options.names ?? 'addresses';
  const origin = options.originMs ?? lines[0]?.timeMs ?? 0;
  const rows = lines.map((l) => [`${(l.timeMs - origin).toFixed(3)} ms`, direction(l, names), tcpdumpFields(l), l.annotation] as const);
  const w0 = Math.max(0, ...rows.map((r) => r[0].length));
  const w1 = Math.max(0, ...rows.map((r) => r[1].length));
  const w2 = Math.max(0, ...rows.map((r) => r[2].length));
  return rows.map(([t, d, f, a]) => `${t.padStart(w0)}  ${d.padEnd(w1)}  ${f.padEnd(w2)}  ${a}`);
}

/** The fields of one line as plain JSON (what `connlab trace --json` prints per segment). */
export interface TraceLineJson {
  timeMs: number;
  connection: number;
  from: string;
  to: string;
  role: string;
  flags: string;
  seq: number;
  ack: number | null;
  win: number;
  length: number;
  kind: string;
  annotation: string;
}

/** A JSON-ready object for one line (addresses as tcpdump writes them, times relative to the trace). */
export function traceLineJson(line: TraceLine, originMs = 0): TraceLineJson {
  const s = line.segment;
  return {
    timeMs: Number((line.timeMs - originMs).toFixed(3)),
    connection: line.connection,
    from: endpoint(s.src, s.srcPort),
    to: endpoint(s.dst, s.dstPort),
    role: line.from,
    flags: flagLetters(s.flags),
    seq: line.seq,
    ack: line.ack ?? null,
    win: s.window,
    length: s.payloadLength,
    kind: line.kind,
    annotation: line.annotation,
  };
}
