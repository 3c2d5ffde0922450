import { verdictOf } from '@connlab/lab';
import { netnsUnavailableReason } from '@connlab/netns';
import { beforeAll, describe, expect, it } from 'vitest';
import { runNamespace, synRetransmitTimes } from './experiment.js';
import type { NamespacePart } from './experiment.js';
import type { OverflowResult } from './queue.js';
import { abortChecks, overflowChecks, toLessonResult } from './lesson.js';
import { runOverflow } from './queue.js';

const reason = netnsUnavailableReason();
if (reason) console.warn(`lesson 17 namespace tests skipped: ${reason}`);
const linux = process.platform === 'linux';

describe('lesson 17: the accept queue and the listen backlog, its model and checks', () => {
  it('schedules SYN retransmissions linearly for tcp_syn_linear_timeouts + 1 rounds, then doubling', () => {
    expect(synRetransmitTimes(0, 4)).toEqual([1000, 3000, 7000, 15000]);
    expect(synRetransmitTimes(4, 7)).toEqual([1000, 2000, 3000, 4000, 5000, 7000, 11000]);
  });

  it('fails its checks when the measurements do not show the effect', () => {
    const base = {
      backlog: 4,
      extra: 3,
      resumeAfterMs: 1500,
      stuckMs: 1900,
      queue: { queued: 5, limit: 4 },
      early: [{ connectMs: 1, synRetransmits: 0 }],
      waitedMs: [1500],
      late: [{ connectMs: 2020, synRetransmits: 2 }],
      timeline: [],
      overflows: 6,
      drops: 6,
      overflowsAtFirst: 3,
      linearTimeouts: 4,
      predicted: { connectMs: 2000, retransmits: 2 },
      accepted: 8,
    };
    expect(overflowChecks(base, 'x').every((c) => c.passed)).toBe(true);
    const failed = overflowChecks(
      { ...base, queue: { queued: 4 }, overflows: 0, late: [{ connectMs: 3020, synRetransmits: 3 }], waitedMs: [10] },
      'x',
    );
    expect(failed.map((c) => c.passed)).toEqual([false, false, false, false]);
    const abort = abortChecks([
      { backlog: 4, resumeAfterMs: 800, abortOnOverflow: 0, lateConnectMs: 1, error: 'ECONNRESET', errorAfterMs: 1, overflows: 1 },
      { backlog: 4, resumeAfterMs: 800, abortOnOverflow: 1, lateConnectMs: 1, servedAfterMs: 800, overflows: 3 },
    ]);
    expect(abort.map((c) => c.passed)).toEqual([false, false]);
  });
});

describe.skipIf(!linux)('lesson 17 on the host: a listener that does not accept()', () => {
  let r: OverflowResult;
  beforeAll(async () => {
    r = await runOverflow({ backlog: 2, extra: 2, resumeAfterMs: 1500 });
  }, 60_000);

  it('queues backlog + 1 connections at once', () => {
    expect(r.queue.queued).toBe(3);
    expect(r.early.every((c) => c.connectMs < 100 && c.synRetransmits === 0)).toBe(true);
    expect(Math.min(...r.waitedMs)).toBeGreaterThan(500);
  });

  it('drops the SYNs of the others until a retransmission finds room', () => {
    // The first SYN and the retransmission at 1 s both meet the full queue.
    expect(r.predicted).toMatchObject({ retransmits: 2 });
    for (const c of r.late) {
      expect(c.error).toBeUndefined();
      expect(c.synRetransmits).toBe(2);
      expect(c.connectMs).toBeGreaterThan(r.predicted.connectMs - 100);
    }
  });

  it('counts the overflows, and accepts every connection in the end', () => {
    expect(r.overflows).toBeGreaterThanOrEqual(4);
    expect(r.accepted).toBe(5);
  });

  it('passes the host checks and reports partly skipped without the namespace part', () => {
    const lesson = toLessonResult({ host: r, skipped: 'skipped: namespace part' });
    expect(lesson.checks.map((c) => c.passed)).toEqual([true, true, true, true]);
    expect(verdictOf(lesson)).toBe('partly-skipped');
  });
});

describe.skipIf(reason !== undefined)('lesson 17 in a namespace', () => {
  let part: NamespacePart;
  beforeAll(async () => {
    part = await runNamespace({
      classic: { backlog: 2, extra: 1, resumeAfterMs: 1500 },
      abort: { backlog: 2, resumeAfterMs: 500 },
    });
  }, 60_000);

  it('backs off SYN retransmissions exponentially (1, 3 s) with tcp_syn_linear_timeouts 0', () => {
    expect(part.classic.linearTimeouts).toBe(0);
    expect(part.classic.late[0]).toMatchObject({ synRetransmits: 2 });
    expect(part.classic.late[0]!.connectMs).toBeGreaterThan(2900);
    expect(part.classic.overflows).toBe(2);
  });

  it('serves a late connection with tcp_abort_on_overflow 0', () => {
    const off = part.abort[0];
    expect(off).toMatchObject({ abortOnOverflow: 0 });
    expect(off!.error).toBeUndefined();
    expect(off!.servedAfterMs).toBeGreaterThan(300);
  });

  it('resets it with tcp_abort_on_overflow 1', () => {
    expect(part.abort[1]).toMatchObject({ abortOnOverflow: 1, error: 'ECONNRESET', overflows: 1 });
  });
});
