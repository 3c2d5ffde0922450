// The accept queue (the notes' listen(5)).
//
// Part 1 (host loopback, no root): a server stuck in synchronous work stops
// calling accept(); connections still complete into its accept queue until
// the queue is full; after that SYNs are dropped and the clients retransmit.
// Part 2 (a private namespace): the book's exponential SYN backoff
// (tcp_syn_linear_timeouts = 0), and tcp_abort_on_overflow 0 against 1.
import { netnsUnavailableReason, withNamespaces } from '@connlab/netns';
import { runOverflow } from './queue.js';
import type { AbortOptions, AbortResult, OverflowOptions, OverflowResult } from './queue.js';

export type { AbortResult, ConnectRecord, OverflowResult } from './queue.js';
export { synRetransmitTimes } from './queue.js';

/** The notes' server: `listen(5)`. */
export const NOTES_BACKLOG = 5;
/** RFC 6298 and the book: SYN retransmissions 1 s, then doubling: sent at 1, 3, 7, 15 s. */
export const CLASSIC_SCHEDULE_S = [1, 3, 7, 15] as const;

export interface RunOptions {
  overflow: OverflowOptions;
  /** The namespace's overflow run (tcp_syn_linear_timeouts = 0). */
  classic: OverflowOptions;
  abort: AbortOptions;
}

export interface NamespacePart {
  classic: OverflowResult;
  /** tcp_abort_on_overflow = 0, then 1. */
  abort: AbortResult[];
}

export interface RunResult {
  host: OverflowResult;
  namespace?: NamespacePart;
  skipped?: string;
}

const isResult = (m: unknown): m is { type: 'result'; result: unknown } => (m as { type?: string }).type === 'result';

/** Part 2, in a private namespace: the classic backoff, then abort_on_overflow 0 and 1. */
export async function runNamespace(options: Pick<RunOptions, 'classic' | 'abort'>): Promise<NamespacePart> {
  return withNamespaces({ namespaces: ['backlog'] }, async (lab) => {
    const ns = lab.ns('backlog');
    const child = ns.spawnNode(new URL('./ns-child.ts', import.meta.url));
    await ns.setSysctl('net.ipv4.tcp_syn_linear_timeouts', 0).catch(() => undefined); // absent before Linux 6.5: already exponential
    child.send({ type: 'overflow', options: options.classic });
    const classic = (await child.nextMessage(isResult, 60_000)).result as OverflowResult;
    const abort: AbortResult[] = [];
    for (const value of [0, 1]) {
      await ns.setSysctl('net.ipv4.tcp_abort_on_overflow', value);
      child.send({ type: 'abort', options: options.abort });
      abort.push((await child.nextMessage(isResult, 60_000)).result as AbortResult);
    }
    child.send({ type: 'stop' });
    return { classic, abort };
  });
}

/** The whole lesson. */
export async function run(options: RunOptions, progress: (what: string) => void = () => undefined): Promise<RunResult> {
  progress(`filling a backlog-${options.overflow.backlog} accept queue on loopback while the server is stuck`);
  const host = await runOverflow(options.overflow);
  const reason = netnsUnavailableReason();
  if (reason) return { host, skipped: `skipped: classic SYN backoff and tcp_abort_on_overflow in a private namespace: ${reason}` };
  progress('classic SYN backoff and tcp_abort_on_overflow in a private namespace');
  return { host, namespace: await runNamespace(options) };
}
