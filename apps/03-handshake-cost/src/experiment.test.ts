import { netnsAvailability } from '@connlab/netns';
import { beforeAll, describe, expect, it } from 'vitest';
import { quickOptions, run } from './experiment.js';
import type { RunResult } from './experiment.js';
import { toLessonResult } from './lesson.js';

const rtt = 2 * quickOptions.delayMs;
const { mode, reason } = netnsAvailability();
const able = mode !== 'unavailable';

describe('handshake cost through the fault relay', () => {
  let r: RunResult;
  let wan: NonNullable<RunResult['wan']>;
  beforeAll(async () => {
    r = await run({ ...quickOptions, wan: 'relay', requests: 3 });
    if (!r.wan) throw new Error('the relay WAN did not run');
    wan = r.wan;
  }, 60_000);

  it('reuses one connection on the reused path and opens a new one per fresh request', () => {
    expect(wan.reused.every((t) => t.reused)).toBe(true);
    expect(wan.fresh.every((t) => !t.reused)).toBe(true);
  });

  it('makes a new connection pay one more (emulated) RTT than a reused one, about half the transaction', () => {
    expect(wan.freshMs - wan.reusedMs).toBeGreaterThan(rtt * 0.8);
    expect(wan.handshakeShare).toBeGreaterThan(0.3);
    expect(wan.handshakeShare).toBeLessThan(0.7);
  });

  it('finds the difference on loopback a small fraction of one WAN RTT', () => {
    expect(r.loopback.freshMs - r.loopback.reusedMs).toBeLessThan(rtt / 4);
  });

  it('labels relay evidence emulated, never reproduced', () => {
    const lesson = toLessonResult(r);
    expect(lesson.emulated).toMatch(/fault relay/);
    expect(lesson.checks.filter((c) => c.label.startsWith('WAN')).every((c) => c.emulated)).toBe(true);
  });
});

describe.skipIf(!able)(`handshake cost over the delay line (${able ? mode : `skipped: ${reason ?? ''}`})`, () => {
  let r: RunResult;
  let wan: NonNullable<RunResult['wan']>;
  beforeAll(async () => {
    r = await run({ ...quickOptions, wan: 'delay-line', requests: 3 });
    if (!r.wan) throw new Error(`no WAN: ${r.wanSkipped ?? ''}`);
    wan = r.wan;
  }, 90_000);

  it('runs on the delay line, with no emulated check', () => {
    expect(wan.kind).toBe('delay-line');
    expect(toLessonResult(r).checks.some((c) => c.emulated)).toBe(false);
  });

  it('pays one real RTT to connect a fresh connection and none on a reused one', () => {
    const fresh = wan.fresh.map((t) => t.phases.connect).sort((a, b) => a - b);
    expect(fresh[1]!).toBeGreaterThan(rtt * 0.95);
    expect(wan.reused.every((t) => t.phases.connect === 0)).toBe(true);
  });

  it('makes the handshake about half of a small transaction', () => {
    expect(wan.freshMs - wan.reusedMs).toBeGreaterThan(rtt * 0.8);
    expect(wan.handshakeShare).toBeGreaterThan(0.3);
    expect(wan.handshakeShare).toBeLessThan(0.7);
  });
});
