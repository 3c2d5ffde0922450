import { verdictOf } from '@connlab/lab';
import { delayLineUnavailable } from '@connlab/netlab';
import { beforeAll, describe, expect, it } from 'vitest';
import { runOnLine } from './experiment.js';
import type { CaseResult, RunResult } from './experiment.js';
import { lessonOptions, middleboxChecks, toLessonResult } from './lesson.js';

const why = delayLineUnavailable();
if (why) console.warn(`lesson 19 delay-line test skipped: ${why}`);

describe('lesson 19: middleboxes that forget idle flows', () => {
  it('fails its checks when every connection survives (a middlebox that forgets nothing)', () => {
    const o = lessonOptions();
    const answered = (keeper: CaseResult['keeper']): CaseResult => ({
      keeper,
      idleMs: o.idleMs,
      waitMs: o.waitMs,
      keepaliveMs: o.keepaliveMs,
      heartbeatMs: o.heartbeatMs,
      userTimeoutMs: o.userTimeoutMs,
      firstMs: 20,
      outcome: 'answered',
      secondMs: 20,
      heartbeats: 2,
      totalRetrans: 0,
      retransmits: 0,
    });
    const r: RunResult = {
      options: o,
      mode: 'root',
      cases: ['http-keep-alive', 'user-timeout', 'tcp-keepalive', 'heartbeat'].map((k) => answered(k as CaseResult['keeper'])),
      forgotten: { clientToServer: 0, serverToClient: 0 },
    };
    expect(middleboxChecks(r).map((c) => c.passed)).toEqual([false, false, true, true]);
    expect(verdictOf(toLessonResult({ skipped: 'skipped: no namespaces' }))).toBe('skipped');
  });
});

describe.skipIf(why !== undefined)('lesson 19 over a delay line whose middlebox forgets idle flows', () => {
  let r: RunResult;
  let by: Record<string, CaseResult>;
  beforeAll(async () => {
    r = await runOnLine({ ...lessonOptions(), waitMs: 3000 });
    by = Object.fromEntries(r.cases.map((c) => [c.keeper, c]));
  }, 90_000);

  it('hangs the idle keep-alive connection, retransmitting into the void', () => {
    expect(by['http-keep-alive']).toMatchObject({ outcome: 'hung' });
    expect(by['http-keep-alive']!.totalRetrans).toBeGreaterThanOrEqual(1);
  });

  it('detects it with TCP_USER_TIMEOUT: ETIMEDOUT', () => {
    expect(by['user-timeout']!.totalRetrans).toBeUndefined();
    expect(by['user-timeout']).toMatchObject({ outcome: 'failed', error: 'ETIMEDOUT' });
  });

  it('keeps it with keepalive probes or a heartbeat', () => {
    expect(by['tcp-keepalive']).toMatchObject({ outcome: 'answered' });
    expect(by.heartbeat).toMatchObject({ outcome: 'answered' });
  });

  it('shows the middlebox forgetting flows', () => {
    expect(r.forgotten.clientToServer).toBeGreaterThanOrEqual(2);
  });
});
