// What the lesson's process and its two peers say to each other.

/** How a connection tries to survive the idle time. */
export type Keeper = 'http-keep-alive' | 'user-timeout' | 'tcp-keepalive' | 'heartbeat';

export interface CaseSpec {
  keeper: Keeper;
  /** Idle time between the first and the second request, ms. */
  idleMs: number;
  /** How long the second request may take before the lesson calls it hung, ms. */
  waitMs: number;
  /** tcp-keepalive: TCP_KEEPIDLE = TCP_KEEPINTVL (whole seconds, in ms). */
  keepaliveMs: number;
  /** heartbeat: a small request this often while idle. */
  heartbeatMs: number;
  /** user-timeout: TCP_USER_TIMEOUT, ms. */
  userTimeoutMs: number;
}

export interface CaseResult extends CaseSpec {
  firstMs: number;
  /** The second request: answered (with its time), failed (error code), or no answer within waitMs. */
  outcome: 'answered' | 'failed' | 'hung';
  secondMs: number;
  error?: string;
  heartbeats: number;
  /** TCP_INFO after the second request: segments retransmitted, and timeouts in a row (undefined once an error closed the socket). */
  totalRetrans?: number;
  retransmits?: number;
}

export type PeerCommand = { type: 'run'; host: string; port: number; cases: CaseSpec[] } | { type: 'stop' };

export const isReply = (m: unknown): m is { type: 'results'; results: CaseResult[] } | { type: 'failed'; message: string } =>
  ['results', 'failed'].includes((m as { type?: string }).type ?? '');
