import { verdictOf } from '@connlab/lab';
import { netnsUnavailableReason } from '@connlab/netns';
import { beforeAll, describe, expect, it } from 'vitest';
import { readBackOnLoopback, runScenario } from './experiment.js';
import type { LoopbackReadBack, ScenarioResult } from './experiment.js';
import { lesson, toLessonResult } from './lesson.js';

const reason = netnsUnavailableReason();
if (reason) console.warn(`lesson 15 dead-peer tests skipped: ${reason}`);

describe.skipIf(process.platform !== 'linux')('lesson 15: the keepalive values read back on loopback', () => {
  let r: LoopbackReadBack;
  beforeAll(async () => {
    r = await readBackOnLoopback();
  }, 30_000);

  it("reads back all four values of a fresh socket: off, with the host's sysctls", () => {
    expect(r.fresh).toEqual({
      enable: false,
      idleMs: r.defaults.keepaliveTimeS * 1000,
      intervalMs: r.defaults.keepaliveIntervalS * 1000,
      count: r.defaults.keepaliveProbes,
    });
  });

  it("reads back Node's forced interval 1 s / count 10", () => {
    expect(r.nodeBuiltIn).toEqual({ enable: true, idleMs: 1000, intervalMs: 1000, count: 10 });
  });

  it("reads back @connlab/tcp-options' own values", () => {
    expect(r.connlab).toEqual({ enable: true, idleMs: 1000, intervalMs: 1000, count: 3 });
  });

  it('without namespaces, still shows the read-back and says what was skipped', () => {
    const result = toLessonResult({ readBack: r, scenarios: [], skipped: 'skipped: the dead-peer measurement: needs root' });
    expect(verdictOf(result)).toBe('partly-skipped');
    expect(result.skipped).toMatch(/needs root/);
    expect(result.lines.join('\n')).toContain('@connlab/tcp-options setKeepAlive');
    expect(lesson.needsRoot).toBe('part');
  });
});

describe.skipIf(reason !== undefined)('lesson 15: a vanished peer, keepalive tuned on the socket', () => {
  let r: ScenarioResult;
  beforeAll(async () => {
    r = await runScenario('tuned');
  }, 60_000);

  it('sets idle 1 s, interval 1 s, count 3', () => {
    expect(r.keepAlive).toEqual({ enable: true, idleMs: 1000, intervalMs: 1000, count: 3 });
  });

  it('notices the dead peer after idle + interval × count, with ETIMEDOUT', () => {
    expect(r.code).toBe('ETIMEDOUT');
    expect(r.detectedAfterMs).toBeGreaterThan(3000);
    expect(r.detectedAfterMs).toBeLessThan(8000);
  });

  it('counts the probes up from 0 to at least 2', () => {
    const probes = r.samples.map((s) => s.probes);
    expect(probes[0]).toBe(0);
    expect(Math.max(...probes)).toBeGreaterThanOrEqual(2);
    expect(probes).toEqual([...probes].sort((a, b) => a - b));
  });
});

describe.skipIf(reason !== undefined)("lesson 15: a vanished peer, only SO_KEEPALIVE and the namespace's sysctls", () => {
  let r: ScenarioResult;
  beforeAll(async () => {
    r = await runScenario('namespace-sysctls');
  }, 60_000);

  it("takes idle, interval and count from the client namespace's own sysctls", () => {
    expect(r.keepAlive).toEqual({ enable: true, idleMs: 2000, intervalMs: 1000, count: 3 });
  });

  it('notices the dead peer after 2 + 1 × 3 s, with ETIMEDOUT', () => {
    expect(r.code).toBe('ETIMEDOUT');
    expect(r.detectedAfterMs).toBeGreaterThan(4000);
    expect(r.detectedAfterMs).toBeLessThan(9000);
  });
});

describe.skipIf(reason !== undefined)('lesson 15: unacknowledged data with TCP_USER_TIMEOUT', () => {
  let r: ScenarioResult;
  beforeAll(async () => {
    r = await runScenario('user-timeout');
  }, 60_000);

  it('runs without keepalive, with a 3 s user timeout', () => {
    expect(r.keepAlive.enable).toBe(false);
    expect(r.userTimeoutMs).toBe(3000);
  });

  it('fails after the timeout instead, with ETIMEDOUT', () => {
    expect(r.code).toBe('ETIMEDOUT');
    expect(r.detectedAfterMs).toBeGreaterThan(2500);
    expect(r.detectedAfterMs).toBeLessThan(8000);
  });

  it('retransmits the data meanwhile', () => {
    expect(Math.max(...r.samples.map((s) => s.retransmits))).toBeGreaterThanOrEqual(1);
  });
});
