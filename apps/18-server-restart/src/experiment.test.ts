import { verdictOf } from '@connlab/lab';
import { describe, expect, it } from 'vitest';
import { restartCase } from './restart.js';
import { nodeHasReusePort, runReusePort } from './reuseport.js';
import { restartChecks, reusePortChecks, toLessonResult } from './lesson.js';
import type { ReusePortResult } from './experiment.js';

const linux = process.platform === 'linux';

describe.skipIf(!linux)('lesson 18: restarting a server', () => {
  it('cannot bind a port its own TIME_WAIT holds without SO_REUSEADDR, can with it', async () => {
    const r = await restartCase({ oldReuseAddr: true, firstClose: 'server', connections: 2 });
    expect(r.timeWait).toEqual({ server: 2, client: 0 });
    expect(r).toMatchObject({ withoutReuseAddr: 'EADDRINUSE', withReuseAddr: 'ok', nodeListen: 'ok' });
  });

  it('binds freely when the clients closed first, and not at all when the old listener lacked SO_REUSEADDR', async () => {
    const clientFirst = await restartCase({ oldReuseAddr: true, firstClose: 'client', connections: 2 });
    expect(clientFirst.timeWait.server).toBe(0);
    expect(clientFirst.withoutReuseAddr).toBe('ok');
    const bare = await restartCase({ oldReuseAddr: false, firstClose: 'server', connections: 1 });
    expect(bare).toMatchObject({ withoutReuseAddr: 'EADDRINUSE', withReuseAddr: 'EADDRINUSE', nodeListen: 'EADDRINUSE' });
    expect(
      restartChecks([clientFirst, bare])
        .filter((c) => c.passed)
        .map((c) => c.label),
    ).toEqual([
      "client closed first: the TIME_WAIT is the clients', and even a bind without SO_REUSEADDR succeeds",
      'old listener without SO_REUSEADDR: its TIME_WAIT blocks even a new socket that sets it',
    ]);
  });

  it('spreads connections over two SO_REUSEPORT processes, and the survivor takes all', async () => {
    const r = await runReusePort({ connections: 100, after: 10 });
    expect(r.withoutReusePort).toBe('EADDRINUSE');
    expect((r.counts.A ?? 0) + (r.counts.B ?? 0)).toBe(100);
    expect(r.counts.A).toBeGreaterThan(20);
    expect(r.counts.B).toBeGreaterThan(20);
    expect(r.afterCounts).toEqual({ B: 10 });
    expect(r.failed).toBe(0);
    const lesson = toLessonResult({ restarts: [], reusePort: r });
    expect(verdictOf(lesson)).toBe('not-reproduced'); // the restart checks had nothing to compare
  });

  it('fails the spread check when one process takes (nearly) everything', () => {
    const lopsided: ReusePortResult = {
      connections: 100,
      after: 10,
      port: 1,
      withoutReusePort: 'EADDRINUSE',
      counts: { A: 90, B: 10 },
      afterCounts: { B: 10 },
      failed: 0,
      nodeHasReusePort: false,
    };
    expect(reusePortChecks(lopsided).map((c) => c.passed)).toEqual([true, false, true]);
    expect(nodeHasReusePort('22.12.0')).toBe(true);
    expect(nodeHasReusePort('22.11.0')).toBe(false);
    expect(nodeHasReusePort('20.20.2')).toBe(false);
  });
});
