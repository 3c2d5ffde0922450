import { netnsAvailability } from '@connlab/netns';
import { describe, expect, it } from 'vitest';
import { quickOptions, run } from './experiment.js';
import { toLessonResult } from './lesson.js';

const rtt = 2 * quickOptions.delayMs;
const { mode, reason } = netnsAvailability();
const able = mode !== 'unavailable';

describe('handshake cost', () => {
  it('through the fault relay: a new connection pays one more (emulated) RTT than a reused one', async () => {
    const r = await run({ ...quickOptions, wan: 'relay', requests: 3 });
    if (!r.wan) throw new Error('the relay WAN did not run');
    expect(r.wan.reused.every((t) => t.reused)).toBe(true);
    expect(r.wan.fresh.every((t) => !t.reused)).toBe(true);
    expect(r.wan.freshMs - r.wan.reusedMs).toBeGreaterThan(rtt * 0.8);
    expect(r.wan.handshakeShare).toBeGreaterThan(0.3);
    expect(r.wan.handshakeShare).toBeLessThan(0.7);
    // On loopback the difference is a small fraction of one WAN RTT.
    expect(r.loopback.freshMs - r.loopback.reusedMs).toBeLessThan(rtt / 4);
    const lesson = toLessonResult(r);
    expect(lesson.emulated).toMatch(/fault relay/);
    // Relay evidence never counts as reproduced.
    expect(lesson.checks.filter((c) => c.label.startsWith('WAN')).every((c) => c.emulated)).toBe(true);
  }, 60_000);

  it.skipIf(!able)(
    `over the delay line: the handshake is one real RTT, about half of a small transaction (${able ? mode : `skipped: ${reason ?? ''}`})`,
    async () => {
      const r = await run({ ...quickOptions, wan: 'delay-line', requests: 3 });
      if (!r.wan) throw new Error(`no WAN: ${r.wanSkipped ?? ''}`);
      expect(r.wan.kind).toBe('delay-line');
      expect(toLessonResult(r).checks.some((c) => c.emulated)).toBe(false);
      const fresh = r.wan.fresh.map((t) => t.phases.connect).sort((a, b) => a - b);
      expect(fresh[1]!).toBeGreaterThan(rtt * 0.95);
      expect(r.wan.reused.every((t) => t.phases.connect === 0)).toBe(true);
      expect(r.wan.freshMs - r.wan.reusedMs).toBeGreaterThan(rtt * 0.8);
      expect(r.wan.handshakeShare).toBeGreaterThan(0.3);
      expect(r.wan.handshakeShare).toBeLessThan(0.7);
    },
    90_000,
  );
});
