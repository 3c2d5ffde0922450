// A small model of slow start, for machines where the real one cannot be
// measured (no root, so no delay line): the window starts at the initial
// window and doubles every round trip until the transfer is done. It is the
// textbook picture, not a measurement.

/** RFC 6928: Linux's initial congestion window is 10 segments. */
export const INITIAL_WINDOW = 10;
/** Bytes per segment on a 1500-byte MTU with TCP timestamps (1500 − 20 − 20 − 12). */
export const MSS = 1448;

export interface ModelRound {
  /** ms since the transfer began (start of the round trip). */
  t: number;
  cwnd: number;
  /** Segments sent in this round. */
  sent: number;
}

export interface ModelTransfer {
  rounds: ModelRound[];
  /** Round trips until the last byte arrived, and that in ms (plus the request's own round trip). */
  roundTrips: number;
  ms: number;
  finalCwnd: number;
}

/**
 * Send `bytes` starting from window `cwnd` (segments), doubling per RTT with no loss.
 *
 * @example
 * slowStartModel(2 << 20, 40).roundTrips;   // 8: 10+20+40+…+640 ≥ 1449 segments
 */
export function slowStartModel(bytes: number, rttMs: number, cwnd = INITIAL_WINDOW): ModelTransfer {
  let remaining = Math.ceil(bytes / MSS);
  const rounds: ModelRound[] = [];
  let window = cwnd;
  while (remaining > 0) {
    const sent = Math.min(window, remaining);
    rounds.push({ t: rounds.length * rttMs, cwnd: window, sent });
    remaining -= sent;
    // Every segment ACKed adds one segment to the window (RFC 5681 §3.1): doubling per round, if the window was full.
    window += sent;
  }
  // One more RTT for the request to reach the sender.
  return { rounds, roundTrips: rounds.length, ms: (rounds.length + 1) * rttMs, finalCwnd: window };
}
