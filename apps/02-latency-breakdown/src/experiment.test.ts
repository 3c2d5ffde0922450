import { TIMING_PHASES } from '@connlab/netlab';
import { netnsAvailability } from '@connlab/netns';
import type { TimingResult } from '@connlab/netlab';
import { describe, expect, it } from 'vitest';
import { quickOptions, run } from './experiment.js';
import { toLessonResult } from './lesson.js';

function sumsToTotal(t: TimingResult): void {
  expect(TIMING_PHASES.reduce((s, p) => s + t.phases[p], 0)).toBeCloseTo(t.total, 6);
}

const rtt = 2 * quickOptions.delayMs;
const { mode, reason } = netnsAvailability();
const able = mode !== 'unavailable';

describe('latency breakdown', () => {
  it('through the fault relay: the emulated handshake and one RTT land before the first byte; loopback is nearly free', async () => {
    const r = await run({ ...quickOptions, wan: 'relay' });
    if (!r.wan) throw new Error('the relay WAN did not run');
    for (const t of [r.loopback.byName, r.loopback.byAddress, r.wan.byAddress]) sumsToTotal(t);
    expect(r.loopback.byAddress.phases.dns).toBe(0);
    expect(r.loopback.byName.lookup).toBe('resolver');
    expect(r.loopback.byAddress.total).toBeLessThan(rtt / 2);
    // Connect delay (1 RTT) + latency both ways (1 RTT) + processing, generously bounded.
    expect(r.wan.byAddress.phases.wait).toBeGreaterThan(2 * rtt * 0.9);
    expect(r.wan.byAddress.phases.wait).toBeLessThan(2 * rtt * 2);
    const lesson = toLessonResult(r);
    expect(lesson.emulated).toMatch(/fault relay/);
    // Relay evidence never counts as reproduced: every WAN check says emulated.
    expect(lesson.checks.filter((c) => c.label.startsWith('WAN')).every((c) => c.emulated)).toBe(true);
  }, 60_000);

  it.skipIf(!able)(
    `over the delay line: DNS, connect and first byte each take about one RTT (${able ? mode : `skipped: ${reason ?? ''}`})`,
    async () => {
      const r = await run({ ...quickOptions, wan: 'delay-line' });
      if (!r.wan) throw new Error(`no WAN: ${r.wanSkipped ?? ''}`);
      const byName = r.wan.byName!;
      const byAddress = r.wan.byAddress;
      sumsToTotal(byName);
      sumsToTotal(byAddress);
      expect(r.wan.kernelRttMs).toBeGreaterThan(rtt * 0.95);
      for (const phase of [byName.phases.dns, byAddress.phases.connect, byAddress.phases.wait]) {
        expect(phase).toBeGreaterThan(rtt * 0.95);
        expect(phase).toBeLessThan(rtt * 2);
      }
      expect(byAddress.phases.dns).toBe(0);
      expect(byAddress.total).toBeGreaterThan(2 * rtt);
      expect(r.loopback.byAddress.total).toBeLessThan(rtt / 2);
    },
    90_000,
  );
});
