import { verdictOf } from '@connlab/lab';
import { beforeAll, describe, expect, it } from 'vitest';
import { quickOptions, run } from './experiment.js';
import type { RunResult } from './experiment.js';
import { sweepSlackMs, sweepTimings, toLessonResult, verdicts } from './lesson.js';

describe("the server's connection table", () => {
  let r: RunResult;

  beforeAll(async () => {
    r = await run(quickOptions);
  }, 60_000);

  it('watches five clients through the run', () => {
    expect(r.clients.map((c) => c.client).sort()).toEqual(['burst', 'late', 'silent', 'slow-head', 'steady']);
    expect(r.snapshots).toHaveLength(quickOptions.snapshotsAt.length);
  });

  it('shows each connection with the requests it served', () => {
    const first = r.snapshots[0]!;
    const row = (client: string) => first.rows.find((x) => x.client === client);
    expect(row('burst')?.requestsServed).toBe(3);
    expect(row('silent')?.requestsServed).toBe(0);
    expect(row('slow-head')).toMatchObject({ state: 'reading', timer: 'header' });
    const steadyCounts = r.snapshots.map((s) => s.rows.find((x) => x.client === 'steady')!.requestsServed);
    expect([...steadyCounts].sort((a, b) => a - b)).toEqual(steadyCounts);
    expect(steadyCounts[steadyCounts.length - 1]).toBeGreaterThanOrEqual(3);
  });

  it('closes each idle connection at its deadline, not before, and removes it from the table', () => {
    for (const t of sweepTimings(r).filter((x) => x.client !== 'steady' && x.client !== 'slow-head')) {
      expect(t.reason).toBe('idle-timeout');
      expect(t.lateByMs).toBeGreaterThanOrEqual(-5);
      expect(t.lateByMs).toBeLessThan(sweepSlackMs(quickOptions.keepAliveTimeoutMs));
    }
    const last = r.snapshots[r.snapshots.length - 1]!;
    expect(last.rows.map((x) => x.client)).toEqual(['steady']);
    // Three idle connections expire; a timer that fires late under load may take two in one sweep.
    const idleSweeps = r.sweeps.filter((s) => s.timer === 'idle');
    expect(idleSweeps.reduce((sum, s) => sum + s.expired, 0)).toBe(3);
  });

  it('closes the half-sent head with a 408 from the header timer', () => {
    expect(r.closed.find((c) => c.client === 'slow-head')?.reason).toBe('header-timeout');
    expect(r.clients.find((c) => c.client === 'slow-head')?.lastStatus).toBe(408);
  });

  it('reports reproduced from the run, and not when a sweep came late', () => {
    expect(verdicts(r).filter((c) => !c.passed)).toEqual([]);
    expect(verdictOf(toLessonResult(r))).toBe('reproduced');
    const late: RunResult = { ...r, clients: r.clients.map((c) => (c.client === 'burst' ? { ...c, finAt: (c.finAt ?? 0) + 5000 } : c)) };
    expect(verdictOf(toLessonResult(late))).toBe('not-reproduced');
  });
});
