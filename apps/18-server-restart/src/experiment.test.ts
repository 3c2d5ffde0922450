import { verdictOf } from '@connlab/lab';
import { beforeAll, describe, expect, it } from 'vitest';
import { restartCase } from './restart.js';
import { nodeHasReusePort, runReusePort } from './reuseport.js';
import { restartChecks, reusePortChecks, toLessonResult } from './lesson.js';
import type { RestartResult, ReusePortResult } from './experiment.js';

const linux = process.platform === 'linux';

describe.skipIf(!linux)('lesson 18: restarting a server on a port its TIME_WAIT holds', () => {
  let serverFirst: RestartResult, clientFirst: RestartResult, bare: RestartResult;
  beforeAll(async () => {
    serverFirst = await restartCase({ oldReuseAddr: true, firstClose: 'server', connections: 2 });
    clientFirst = await restartCase({ oldReuseAddr: true, firstClose: 'client', connections: 2 });
    bare = await restartCase({ oldReuseAddr: false, firstClose: 'server', connections: 1 });
  }, 60_000);

  it('cannot bind a port its own TIME_WAIT holds without SO_REUSEADDR, can with it', () => {
    expect(serverFirst.timeWait).toEqual({ server: 2, client: 0 });
    expect(serverFirst).toMatchObject({ withoutReuseAddr: 'EADDRINUSE', withReuseAddr: 'ok', nodeListen: 'ok' });
  });

  it('binds freely when the clients closed first', () => {
    expect(clientFirst.timeWait.server).toBe(0);
    expect(clientFirst.withoutReuseAddr).toBe('ok');
  });

  it('binds not at all when the old listener lacked SO_REUSEADDR', () => {
    expect(bare).toMatchObject({ withoutReuseAddr: 'EADDRINUSE', withReuseAddr: 'EADDRINUSE', nodeListen: 'EADDRINUSE' });
  });

  it('passes the restart checks for those two cases', () => {
    expect(
      restartChecks([clientFirst, bare])
        .filter((c) => c.passed)
        .map((c) => c.label),
    ).toEqual([
      "client closed first: the TIME_WAIT is the clients', and even a bind without SO_REUSEADDR succeeds",
      'old listener without SO_REUSEADDR: its TIME_WAIT blocks even a new socket that sets it',
    ]);
  });
});

describe.skipIf(!linux)('lesson 18: two SO_REUSEPORT processes', () => {
  let r: ReusePortResult;
  beforeAll(async () => {
    r = await runReusePort({ connections: 100, after: 10 });
  }, 60_000);

  it('cannot share the port without SO_REUSEPORT', () => {
    expect(r.withoutReusePort).toBe('EADDRINUSE');
  });

  it('spreads the connections over both processes', () => {
    expect((r.counts.A ?? 0) + (r.counts.B ?? 0)).toBe(100);
    expect(r.counts.A).toBeGreaterThan(20);
    expect(r.counts.B).toBeGreaterThan(20);
  });

  it('gives the survivor every connection after the other exits, losing none', () => {
    expect(r.afterCounts).toEqual({ B: 10 });
    expect(r.failed).toBe(0);
  });

  it('is not reproduced on its own: the restart checks had nothing to compare', () => {
    expect(verdictOf(toLessonResult({ restarts: [], reusePort: r }))).toBe('not-reproduced');
  });
});

describe('lesson 18: its checks', () => {
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
