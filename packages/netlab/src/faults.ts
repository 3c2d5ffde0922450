// The faults a FaultRelay can apply, and their validation (shared by the
// programmatic API and the HTTP control endpoint).
import { NetlabError } from './errors.js';

/** upstream = client → server, downstream = server → client (toxiproxy's names). */
export type Direction = 'upstream' | 'downstream';
export const DIRECTIONS: readonly Direction[] = ['upstream', 'downstream'];

export type FaultSpec =
  /** Hold every chunk `ms` (± `jitterMs`, order kept) before passing it on. */
  | { type: 'latency'; direction: Direction; ms: number; jitterMs?: number }
  /** Pass at most `bytesPerSecond`, paced like a serial link. */
  | { type: 'bandwidth'; direction: Direction; bytesPerSecond: number }
  /** Cut chunks into `size`-byte pieces, `delayMs` apart (the reader sees many small reads). */
  | { type: 'slicer'; direction: Direction; size: number; delayMs?: number }
  /**
   * Hold a new connection this long before the relay connects upstream and lets
   * bytes through: the stand-in for the handshake's round trip. The client's own
   * connect() still completes at once (the kernel answers the SYN on loopback), so
   * the delay shows up in the first request's wait, not in its connect phase.
   */
  | { type: 'connect-delay'; ms: number }
  /**
   * After `afterBytes` bytes have passed in `direction`, reset both sides (RST),
   * `holdMs` (default 20) after the last byte: an RST that lands while those
   * bytes are still unread can reach the reader as a plain EOF (seen on Linux
   * 6.18), so the reader gets a moment to take them first.
   */
  | { type: 'reset'; direction: Direction; afterBytes: number; holdMs?: number }
  /** When one side closes, wait `ms` before passing the FIN on. */
  | { type: 'slow-close'; ms: number }
  /** Silently swallow everything in `direction`; the connection stays open. */
  | { type: 'blackhole'; direction: Direction }
  /**
   * Like a load balancer's idle timeout: a connection with no bytes either way
   * for `ms` is forgotten, and from then on everything on it is swallowed
   * silently (both directions; the sockets stay open). Only bytes count: TCP
   * keepalive probes end at the relay's own sockets and never reach it.
   */
  | { type: 'forget-idle'; ms: number };

export type FaultType = FaultSpec['type'];
export type Fault = FaultSpec & { id: string };

function bad(message: string): NetlabError {
  return new NetlabError('NETLAB_RELAY', `invalid fault: ${message}`);
}

function num(spec: Record<string, unknown>, key: string, opts: { min?: number; optional?: boolean; integer?: boolean } = {}): void {
  const v = spec[key];
  if (v === undefined && opts.optional) return;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`"${key}" must be a number, got ${JSON.stringify(v)}`);
  if (opts.min !== undefined && v < opts.min) throw bad(`"${key}" must be at least ${opts.min}, got ${v}`);
  if (opts.integer && !Number.isInteger(v)) throw bad(`"${key}" must be a whole number, got ${v}`);
}

/**
 * Check an untrusted fault description (e.g. a control-endpoint body) and
 * return it typed; throws NETLAB_RELAY naming the bad field.
 *
 * @example
 * relay.add(validateFault(JSON.parse(body)));
 */
export function validateFault(input: unknown): FaultSpec {
  if (typeof input !== 'object' || input === null) throw bad('expected an object');
  const spec = input as Record<string, unknown>;
  const needsDirection = (): void => {
    if (!DIRECTIONS.includes(spec.direction as Direction))
      throw bad(`"direction" must be upstream or downstream, got ${JSON.stringify(spec.direction)}`);
  };
  switch (spec.type) {
    case 'latency':
      needsDirection();
      num(spec, 'ms', { min: 0 });
      num(spec, 'jitterMs', { min: 0, optional: true });
      break;
    case 'bandwidth':
      needsDirection();
      num(spec, 'bytesPerSecond', { min: 1 });
      break;
    case 'slicer':
      needsDirection();
      num(spec, 'size', { min: 1, integer: true });
      num(spec, 'delayMs', { min: 0, optional: true });
      break;
    case 'connect-delay':
    case 'slow-close':
    case 'forget-idle':
      num(spec, 'ms', { min: 0 });
      break;
    case 'reset':
      needsDirection();
      num(spec, 'afterBytes', { min: 0, integer: true });
      num(spec, 'holdMs', { min: 0, optional: true });
      break;
    case 'blackhole':
      needsDirection();
      break;
    default:
      throw bad(
        `unknown type ${JSON.stringify(spec.type)} (latency, bandwidth, slicer, connect-delay, reset, slow-close, blackhole, forget-idle)`,
      );
  }
  return spec as FaultSpec;
}

/**
 * The relay's stand-in for a WAN link with round trip `rttMs`: half the RTT
 * each way, and one RTT before the upstream connect (where the handshake
 * would be). The relay splits the connection, so this is application-level
 * emulation, not a transparent link.
 *
 * @example
 * const relay = await FaultRelay.start({ target: { host: '127.0.0.1', port }, faults: wanLinkFaults(40) });
 */
export function wanLinkFaults(rttMs: number): FaultSpec[] {
  return [
    { type: 'connect-delay', ms: rttMs },
    { type: 'latency', direction: 'upstream', ms: rttMs / 2 },
    { type: 'latency', direction: 'downstream', ms: rttMs / 2 },
  ];
}
