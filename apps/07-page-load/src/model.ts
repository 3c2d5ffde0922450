// The simple model of the book's figure: count round trips, ignore transfer
// and server time. A new TCP connection costs one round trip (SYN, SYN+ACK)
// before the request can go; each request/response costs one more.

export type Strategy = 'serial' | 'parallel' | 'persistent' | 'pipelined';

export const STRATEGIES: readonly Strategy[] = ['serial', 'parallel', 'persistent', 'pipelined'];

/** One line describing each strategy, for tables and docs. */
export const STRATEGY_TEXT: Readonly<Record<Strategy, string>> = {
  serial: 'one object at a time, a new connection for each',
  parallel: 'the HTML, then the images over up to P connections at once, a new connection for each',
  persistent: 'one object at a time over one kept-alive connection',
  pipelined: 'the HTML, then every image pipelined on the same connection',
};

/**
 * Round trips to load the HTML and `images` images.
 *
 * @example
 * roundTrips('serial', 8, 4)     // 18: (1 + 8) × (handshake + request)
 * roundTrips('pipelined', 8, 4)  // 3: handshake, HTML, all images at once
 */
export function roundTrips(strategy: Strategy, images: number, parallel: number): number {
  switch (strategy) {
    case 'serial': return 2 * (1 + images);
    case 'parallel': return 2 + 2 * Math.ceil(images / parallel);
    case 'persistent': return 1 + (1 + images);
    case 'pipelined': return 1 + 1 + (images > 0 ? 1 : 0);
  }
}
