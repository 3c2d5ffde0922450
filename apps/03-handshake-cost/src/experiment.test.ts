import { isRoot } from '@connlab/lab';
import { describe, expect, it } from 'vitest';
import { quickOptions, run } from './experiment.js';
import { toLessonResult } from './lesson.js';

const rtt = 2 * quickOptions.delayMs;
const root = isRoot() && process.platform === 'linux';

describe('handshake cost', () => {
  it('through the fault relay: a new connection pays one more (emulated) RTT than a reused one', async () => {
    const r = await run({ ...quickOptions, wan: 'relay', requests: 3 });
    expect(r.wan.reused.every((t) => t.reused)).toBe(true);
    expect(r.wan.fresh.every((t) => !t.reused)).toBe(true);
    expect(r.wan.freshMs - r.wan.reusedMs).toBeGreaterThan(rtt * 0.8);
    expect(r.wan.handshakeShare).toBeGreaterThan(0.3);
    expect(r.wan.handshakeShare).toBeLessThan(0.7);
    // On loopback the difference is a small fraction of one WAN RTT.
    expect(r.loopback.freshMs - r.loopback.reusedMs).toBeLessThan(rtt / 4);
    expect(toLessonResult(r).emulated).toMatch(/fault relay/);
  }, 60_000);

  it.skipIf(!root)(`over the delay line: the handshake is one real RTT, about half of a small transaction (${root ? 'root' : 'skipped: needs root for network namespaces'})`, async () => {
    const r = await run({ ...quickOptions, wan: 'delay-line', requests: 3 });
    const fresh = r.wan.fresh.map((t) => t.phases.connect).sort((a, b) => a - b);
    expect(fresh[1]!).toBeGreaterThan(rtt * 0.95);
    expect(r.wan.reused.every((t) => t.phases.connect === 0)).toBe(true);
    expect(r.wan.freshMs - r.wan.reusedMs).toBeGreaterThan(rtt * 0.8);
    expect(r.wan.handshakeShare).toBeGreaterThan(0.3);
    expect(r.wan.handshakeShare).toBeLessThan(0.7);
  }, 90_000);
});
