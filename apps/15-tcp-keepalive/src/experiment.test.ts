import { verdictOf } from '@connlab/lab';
import { netnsUnavailableReason } from '@connlab/netns';
import { describe, expect, it } from 'vitest';
import { readBackOnLoopback, runScenario } from './experiment.js';
import { lesson, toLessonResult } from './lesson.js';

const reason = netnsUnavailableReason();
if (reason) console.warn(`lesson 15 dead-peer tests skipped: ${reason}`);

describe('lesson 15: TCP keepalive vs a dead peer', () => {
  it.skipIf(process.platform !== 'linux')("reads back all four values, and Node's forced interval 1 s / count 10", async () => {
    const r = await readBackOnLoopback();
    expect(r.fresh).toEqual({
      enable: false,
      idleMs: r.defaults.keepaliveTimeS * 1000,
      intervalMs: r.defaults.keepaliveIntervalS * 1000,
      count: r.defaults.keepaliveProbes,
    });
    expect(r.nodeBuiltIn).toEqual({ enable: true, idleMs: 1000, intervalMs: 1000, count: 10 });
    expect(r.connlab).toEqual({ enable: true, idleMs: 1000, intervalMs: 1000, count: 3 });
  });

  it.skipIf(reason !== undefined)('notices a vanished peer after idle + interval × count, with ETIMEDOUT', async () => {
    const r = await runScenario('tuned');
    expect(r.keepAlive).toEqual({ enable: true, idleMs: 1000, intervalMs: 1000, count: 3 });
    expect(r.code).toBe('ETIMEDOUT');
    expect(r.detectedAfterMs).toBeGreaterThan(3000);
    expect(r.detectedAfterMs).toBeLessThan(8000);
    const probes = r.samples.map((s) => s.probes);
    expect(probes[0]).toBe(0);
    expect(Math.max(...probes)).toBeGreaterThanOrEqual(2);
    expect(probes).toEqual([...probes].sort((a, b) => a - b));
  });

  it.skipIf(reason !== undefined)(
    "with only SO_KEEPALIVE, the client namespace's own keepalive sysctls set the time: 2 + 1 × 3 s",
    async () => {
      const r = await runScenario('namespace-sysctls');
      expect(r.keepAlive).toEqual({ enable: true, idleMs: 2000, intervalMs: 1000, count: 3 });
      expect(r.code).toBe('ETIMEDOUT');
      expect(r.detectedAfterMs).toBeGreaterThan(4000);
      expect(r.detectedAfterMs).toBeLessThan(9000);
    },
  );

  it.skipIf(reason !== undefined)('with TCP_USER_TIMEOUT, unacknowledged data fails after the timeout instead', async () => {
    const r = await runScenario('user-timeout');
    expect(r.keepAlive.enable).toBe(false);
    expect(r.userTimeoutMs).toBe(3000);
    expect(r.code).toBe('ETIMEDOUT');
    expect(r.detectedAfterMs).toBeGreaterThan(2500);
    expect(r.detectedAfterMs).toBeLessThan(8000);
    expect(Math.max(...r.samples.map((s) => s.retransmits))).toBeGreaterThanOrEqual(1);
  });

  it.skipIf(process.platform !== 'linux')('without namespaces, still shows the read-back and says what was skipped', async () => {
    const result = toLessonResult({
      readBack: await readBackOnLoopback(),
      scenarios: [],
      skipped: 'skipped: the dead-peer measurement: needs root',
    });
    expect(verdictOf(result)).toBe('partly-skipped');
    expect(result.skipped).toMatch(/needs root/);
    expect(result.lines.join('\n')).toContain('@connlab/tcp-options setKeepAlive');
    expect(lesson.needsRoot).toBe('part');
  });
});
