import { TIMING_PHASES } from '@connlab/netlab';
import { netnsAvailability } from '@connlab/netns';
import type { TimingResult } from '@connlab/netlab';
import { beforeAll, describe, expect, it } from 'vitest';
import { quickOptions, run } from './experiment.js';
import type { RunResult } from './experiment.js';
import { toLessonResult } from './lesson.js';

function sumsToTotal(t: TimingResult): void {
  expect(TIMING_PHASES.reduce((s, p) => s + t.phases[p], 0)).toBeCloseTo(t.total, 6);
}

const rtt = 2 * quickOptions.delayMs;
const { mode, reason } = netnsAvailability();
const able = mode !== 'unavailable';

describe('latency breakdown through the fault relay', () => {
  let r: RunResult;
  let wan: NonNullable<RunResult['wan']>;
  beforeAll(async () => {
    r = await run({ ...quickOptions, wan: 'relay' });
    if (!r.wan) throw new Error('the relay WAN did not run');
    wan = r.wan;
  }, 60_000);

  it('splits every timing into phases that sum to its total', () => {
    for (const t of [r.loopback.byName, r.loopback.byAddress, wan.byAddress]) sumsToTotal(t);
  });

  it('spends no DNS time on an address, and resolves a name with the resolver', () => {
    expect(r.loopback.byAddress.phases.dns).toBe(0);
    expect(r.loopback.byName.lookup).toBe('resolver');
  });

  it('finds loopback nearly free', () => {
    expect(r.loopback.byAddress.total).toBeLessThan(rtt / 2);
  });

  it('lands the emulated handshake and one RTT before the first byte', () => {
    // Connect delay (1 RTT) + latency both ways (1 RTT) + processing, generously bounded.
    expect(wan.byAddress.phases.wait).toBeGreaterThan(2 * rtt * 0.9);
    expect(wan.byAddress.phases.wait).toBeLessThan(2 * rtt * 2);
  });

  it('labels relay evidence emulated, never reproduced', () => {
    const lesson = toLessonResult(r);
    expect(lesson.emulated).toMatch(/fault relay/);
    expect(lesson.checks.filter((c) => c.label.startsWith('WAN')).every((c) => c.emulated)).toBe(true);
  });
});

describe.skipIf(!able)(`latency breakdown over the delay line (${able ? mode : `skipped: ${reason ?? ''}`})`, () => {
  let r: RunResult;
  let wan: NonNullable<RunResult['wan']>;
  beforeAll(async () => {
    r = await run({ ...quickOptions, wan: 'delay-line' });
    if (!r.wan) throw new Error(`no WAN: ${r.wanSkipped ?? ''}`);
    wan = r.wan;
  }, 90_000);

  it('splits both timings into phases that sum to their totals', () => {
    sumsToTotal(wan.byName!);
    sumsToTotal(wan.byAddress);
  });

  it("measures the kernel's RTT at the line's delay", () => {
    expect(wan.kernelRttMs).toBeGreaterThan(rtt * 0.95);
  });

  it('takes about one RTT each for DNS, connect and first byte', () => {
    for (const phase of [wan.byName!.phases.dns, wan.byAddress.phases.connect, wan.byAddress.phases.wait]) {
      expect(phase).toBeGreaterThan(rtt * 0.95);
      expect(phase).toBeLessThan(rtt * 2);
    }
  });

  it('spends no DNS time on an address, and more than two RTTs in all', () => {
    expect(wan.byAddress.phases.dns).toBe(0);
    expect(wan.byAddress.total).toBeGreaterThan(2 * rtt);
  });

  it('finds loopback nearly free', () => {
    expect(r.loopback.byAddress.total).toBeLessThan(rtt / 2);
  });
});
