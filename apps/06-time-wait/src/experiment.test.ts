import { verdictOf } from '@connlab/lab';
import { netnsUnavailableReason } from '@connlab/netns';
import { describe, expect, it } from 'vitest';
import { runCycles } from './cycles.js';
import { runHost, runNamespace } from './experiment.js';
import { toLessonResult } from './lesson.js';

const reason = netnsUnavailableReason();
if (reason) console.warn(`lesson 06 namespace tests skipped: ${reason}`);
const linux = process.platform === 'linux';

describe('lesson 06: TIME_WAIT and port exhaustion', () => {
  it.skipIf(!linux)('leaves TIME_WAIT on the side that closes first, none after RST, one with keep-alive', async () => {
    const host = await runHost(100);
    const by = Object.fromEntries(host.runs.map((r) => [r.mode, r]));
    expect(by['client-close']!.succeeded).toBe(100);
    // Ports are picked at random from ~28 000; a rare repeat replaces an older TIME_WAIT.
    expect(by['client-close']!.timeWait.client).toBeGreaterThanOrEqual(90);
    expect(by['client-close']!.timeWait.server).toBe(0);
    expect(by['server-close']!.timeWait.server).toBeGreaterThanOrEqual(90);
    expect(by['server-close']!.timeWait.client).toBe(0);
    expect(by.reset!.timeWait.total).toBe(0);
    expect(by['keep-alive']!.portsUsed).toBe(1);
    expect(by['keep-alive']!.timeWait.total).toBeLessThanOrEqual(1);
    expect(by['client-close']!.timeWaitRemainingMs).toBeGreaterThan(50_000);
    expect(by['client-close']!.timeWaitRemainingMs).toBeLessThanOrEqual(60_000);
    // The measured length: the kernel's timer plus the time since the close, about Linux's fixed 60 s.
    expect(host.timeWaitS).toBeGreaterThan(57);
    expect(host.timeWaitS).toBeLessThan(63);
    expect(host.boundPerSecond).toBeCloseTo(host.defaults.localPortRange.count / host.timeWaitS);

    const lesson = toLessonResult({ host, skipped: 'skipped: port exhaustion in a 10-port namespace: needs root' });
    expect(verdictOf(lesson)).toBe('partly-skipped');
    expect(lesson.skipped).toMatch(/needs root/);
  });

  it.skipIf(!linux)('counts only its own connections when the server port number still has TIME_WAIT sockets of earlier ones', async () => {
    // Port 0 can hand a new server a number that earlier connections' TIME_WAIT
    // sockets still carry; here the same number is taken on purpose.
    const earlier = await runCycles({ mode: 'client-close', cycles: 3 });
    expect(earlier.timeWait.client).toBe(3);
    const again = await runCycles({ mode: 'keep-alive', cycles: 5, serverPort: earlier.timeWait.port });
    expect(again.timeWait.port).toBe(earlier.timeWait.port);
    expect(again.portsUsed).toBe(1);
    expect(again.timeWait.total).toBe(1);
  });

  it.skipIf(reason !== undefined)('runs out of 10 ports at connect 11, unless reuse, a server-side close or RST frees them', async () => {
    const part = await runNamespace(20);
    expect(part.portRange).toBe('40000 40009');
    const [exhaust, burst, paced, serverClose, reset, keepAlive] = part.steps.map((s) => s.result);
    expect(exhaust).toMatchObject({ failedAt: 11, error: 'EADDRNOTAVAIL', succeeded: 10, portsUsed: 10 });
    expect(exhaust!.timeWait.client).toBe(10);
    expect(burst).toMatchObject({ failedAt: 11, error: 'EADDRNOTAVAIL' });
    expect(paced!.succeeded).toBe(20);
    expect(paced!.failedAt).toBeUndefined();
    expect(paced!.portsUsed).toBeLessThanOrEqual(10);
    expect(serverClose!.succeeded).toBe(20);
    expect(serverClose!.failedAt).toBeUndefined();
    expect(serverClose!.timeWait.client).toBe(0);
    expect(reset).toMatchObject({ succeeded: 20 });
    expect(reset!.timeWait.total).toBe(0);
    expect(keepAlive).toMatchObject({ succeeded: 20, portsUsed: 1 });
  });
});
