// The simple model of the book's figure: count round trips, ignore transfer
// and server time. A new TCP connection costs one round trip (SYN, SYN+ACK)
// before the request can go; each request/response costs one more.

export type Strategy = 'serial' | 'parallel' | 'persistent' | 'pipelined' | 'parallel-persistent';

export const STRATEGIES: readonly Strategy[] = ['serial', 'parallel', 'persistent', 'pipelined', 'parallel-persistent'];

/** Kept-alive connections per origin in the parallel-persistent strategy: what browsers open (RFC 9112 §9.4 leaves it open; about six). */
export const BROWSER_CONNECTIONS = 6;

/** One line describing each strategy, for tables and docs. */
export const STRATEGY_TEXT: Readonly<Record<Strategy, string>> = {
  serial: 'one object at a time, a new connection for each',
  parallel: 'the HTML, then the images over up to P connections at once, a new connection for each',
  persistent: 'one object at a time over one kept-alive connection',
  pipelined: 'the HTML, then every image pipelined on the same connection',
  'parallel-persistent': `the HTML, then the images over up to ${BROWSER_CONNECTIONS} kept-alive connections at once, as browsers do`,
};

/**
 * Round trips for the images over a pool of `p` kept-alive connections, one
 * of them already open (it carried the HTML): each image goes to the
 * connection free first; a new connection is free after its handshake.
 */
function pooledRoundTrips(images: number, p: number): number {
  const free = [0, ...Array.from({ length: Math.max(0, Math.min(p, images) - 1) }, () => 1)];
  let last = 0;
  for (let i = 0; i < images; i++) {
    const first = Math.min(...free);
    free[free.indexOf(first)] = first + 1;
    last = Math.max(last, first + 1);
  }
  return last;
}

/**
 * Round trips to load the HTML and `images` images.
 *
 * @example
 * roundTrips('serial', 8, 4)     // 18: (1 + 8) × (handshake + request)
 * roundTrips('pipelined', 8, 4)  // 3: handshake, HTML, all images at once
 * roundTrips('parallel-persistent', 8, 4)  // 5: HTML 2, then 6 connections (5 new) take 8 images in 3
 */
export function roundTrips(strategy: Strategy, images: number, parallel: number): number {
  switch (strategy) {
    case 'serial':
      return 2 * (1 + images);
    case 'parallel':
      return 2 + 2 * Math.ceil(images / parallel);
    case 'persistent':
      return 1 + (1 + images);
    case 'pipelined':
      return 1 + 1 + (images > 0 ? 1 : 0);
    case 'parallel-persistent':
      return 2 + pooledRoundTrips(images, BROWSER_CONNECTIONS);
  }
}
