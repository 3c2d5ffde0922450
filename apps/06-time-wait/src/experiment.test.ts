import { verdictOf } from '@connlab/lab';
import { netnsUnavailableReason } from '@connlab/netns';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCycles } from './cycles.js';
import type { CyclesResult } from './cycles.js';
import { runHost, runNamespace } from './experiment.js';
import type { HostPart, NamespacePart, NamespaceStep } from './experiment.js';
import { toLessonResult } from './lesson.js';

const reason = netnsUnavailableReason();
if (reason) console.warn(`lesson 06 namespace tests skipped: ${reason}`);
const linux = process.platform === 'linux';

describe.skipIf(!linux)('lesson 06 on the host: who holds TIME_WAIT', () => {
  let host: HostPart;
  let by: Record<string, CyclesResult>;
  beforeAll(async () => {
    host = await runHost(100);
    by = Object.fromEntries(host.runs.map((r) => [r.mode, r]));
  }, 60_000);

  it('leaves TIME_WAIT on the client when the client closes first', () => {
    expect(by['client-close']!.succeeded).toBe(100);
    // Ports are picked at random from ~28 000; a rare repeat replaces an older TIME_WAIT.
    expect(by['client-close']!.timeWait.client).toBeGreaterThanOrEqual(90);
    expect(by['client-close']!.timeWait.server).toBe(0);
  });

  it('leaves TIME_WAIT on the server when the server closes first', () => {
    expect(by['server-close']!.timeWait.server).toBeGreaterThanOrEqual(90);
    expect(by['server-close']!.timeWait.client).toBe(0);
  });

  it('leaves none after RST, and at most one with keep-alive', () => {
    expect(by.reset!.timeWait.total).toBe(0);
    expect(by['keep-alive']!.portsUsed).toBe(1);
    expect(by['keep-alive']!.timeWait.total).toBeLessThanOrEqual(1);
  });

  it("measures TIME_WAIT at about Linux's fixed 60 s", () => {
    expect(by['client-close']!.timeWaitRemainingMs).toBeGreaterThan(50_000);
    expect(by['client-close']!.timeWaitRemainingMs).toBeLessThanOrEqual(60_000);
    // The measured length: the kernel's timer plus the time since the close.
    expect(host.timeWaitS).toBeGreaterThan(57);
    expect(host.timeWaitS).toBeLessThan(63);
    expect(host.boundPerSecond).toBeCloseTo(host.defaults.localPortRange.count / host.timeWaitS);
  });

  it('reports partly skipped, saying why, without the namespace part', () => {
    const lesson = toLessonResult({ host, skipped: 'skipped: port exhaustion in a 10-port namespace: needs root' });
    expect(verdictOf(lesson)).toBe('partly-skipped');
    expect(lesson.skipped).toMatch(/needs root/);
  });
});

describe.skipIf(!linux)('lesson 06 on a server port number that earlier connections used', () => {
  let earlier: CyclesResult;
  let again: CyclesResult;
  beforeAll(async () => {
    // Port 0 can hand a new server a number that earlier connections' TIME_WAIT
    // sockets still carry; here the same number is taken on purpose.
    earlier = await runCycles({ mode: 'client-close', cycles: 3 });
    again = await runCycles({ mode: 'keep-alive', cycles: 5, serverPort: earlier.timeWait.port });
  }, 60_000);

  it('leaves the earlier connections in TIME_WAIT', () => {
    expect(earlier.timeWait.client).toBe(3);
  });

  it('reuses the port number', () => {
    expect(again.timeWait.port).toBe(earlier.timeWait.port);
  });

  it('counts only its own connections', () => {
    expect(again.portsUsed).toBe(1);
    expect(again.timeWait.total).toBe(1);
  });
});

describe.skipIf(reason !== undefined)('lesson 06 in a 10-port namespace', () => {
  let part: NamespacePart;
  let steps: NamespaceStep['result'][];
  beforeAll(async () => {
    part = await runNamespace(20);
    steps = part.steps.map((s) => s.result);
  }, 60_000);

  it('has 10 local ports', () => {
    expect(part.portRange).toBe('40000 40009');
  });

  it('runs out of ports at connect 11, in a loop and in a burst', () => {
    const [exhaust, burst] = steps;
    expect(exhaust).toMatchObject({ failedAt: 11, error: 'EADDRNOTAVAIL', succeeded: 10, portsUsed: 10 });
    expect(exhaust!.timeWait.client).toBe(10);
    expect(burst).toMatchObject({ failedAt: 11, error: 'EADDRNOTAVAIL' });
  });

  it('lets reuse (paced connects) free them', () => {
    const paced = steps[2];
    expect(paced!.succeeded).toBe(20);
    expect(paced!.failedAt).toBeUndefined();
    expect(paced!.portsUsed).toBeLessThanOrEqual(10);
  });

  it('lets a server-side close free them', () => {
    const serverClose = steps[3];
    expect(serverClose!.succeeded).toBe(20);
    expect(serverClose!.failedAt).toBeUndefined();
    expect(serverClose!.timeWait.client).toBe(0);
  });

  it('lets RST free them', () => {
    const reset = steps[4];
    expect(reset).toMatchObject({ succeeded: 20 });
    expect(reset!.timeWait.total).toBe(0);
  });

  it('needs one port with keep-alive', () => {
    expect(steps[5]).toMatchObject({ succeeded: 20, portsUsed: 1 });
  });
});
