// What the lesson's server process and the measuring process say to each other.

export interface ServerSpec {
  /** listen(2) backlog, passed as Node's listen({ backlog }). */
  backlog: number;
  /** TCP_DEFER_ACCEPT seconds: hold each connection in the SYN queue until its first data. */
  deferAcceptS?: number;
}

export type ServerMessage =
  | { type: 'listening'; port: number }
  /** The server is about to stop running JavaScript (no accept()) until its resume file exists. */
  | { type: 'blocking'; at: number }
  /** Date.now() of every accept, and the bytes read from all connections. */
  | { type: 'report'; acceptedAt: number[]; bytes: number };

/** A type guard for one kind of server message. */
export function isMessage<K extends ServerMessage['type']>(type: K): (m: unknown) => m is Extract<ServerMessage, { type: K }> {
  return (m: unknown): m is Extract<ServerMessage, { type: K }> => (m as { type?: string }).type === type;
}
