// What the lesson's process and its two peers say to each other.

export type PeerCommand =
  | { type: 'transfer'; host: string; port: number; bytes: number; congestion: string }
  | { type: 'timed'; host: string; port: number; seconds: number; congestion: string }
  | { type: 'stop' };

/** One transfer as the sender's kernel saw it (TCP_INFO at the end). */
export interface SendReport {
  type: 'sent';
  /** First write to the last byte acknowledged (transfer), or the sending time (timed). */
  ms: number;
  bytesAcked: number;
  goodputMbit: number;
  /** tcpi_total_retrans: segments sent again. */
  totalRetrans: number;
  /** tcpi_total_rto (Linux 6.7+): retransmission timeouts; 0 means every repair was fast retransmit, RACK or TLP. */
  totalRto: number | undefined;
  sndMss: number;
  /** Congestion window at the end, segments: a timeout cuts it to 1, a fast repair only halves it (reno). */
  sndCwnd: number;
  rttMs: number;
  rtoMs: number;
}

export const isSent = (m: unknown): m is SendReport | { type: 'failed'; message: string } =>
  ['sent', 'failed'].includes((m as { type?: string }).type ?? '');
