import { verdictOf } from '@connlab/lab';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from './experiment.js';
import type { RunResult } from './experiment.js';
import { toLessonResult } from './lesson.js';

describe('pipelining at a server that closes after k', () => {
  let result: RunResult;
  let post: RunResult['requests'][number];
  beforeAll(async () => {
    result = await run({ closeAfter: 3, gets: 6, depth: 6 });
    post = result.requests.at(-1)!;
  }, 60_000);

  it('answers the first k, retries the rest of the GETs once on a new connection, and refuses to retry the POST', () => {
    expect(result.requests.map((r) => `${r.method} ${r.path} ${r.outcome} ${r.attempts}`)).toEqual([
      'GET /item/1 answered 1',
      'GET /item/2 answered 1',
      'GET /item/3 answered 1',
      'GET /item/4 retried-and-answered 2',
      'GET /item/5 retried-and-answered 2',
      'GET /item/6 retried-and-answered 2',
      'POST /order refused-retry 1',
    ]);
  });

  it('refuses the POST with a coded error that says the server may have processed it', () => {
    expect(post.errorCode).toBe('HTTP_CLIENT_NOT_RETRIED');
    expect(post.reason).toMatch(/may or may not have processed it/);
  });

  it('lets the server receive the POST exactly once, and drop it', () => {
    expect(post.server).toEqual([{ connection: 2, answered: false }]);
  });

  it('sends each retried request twice, on two different connections', () => {
    for (const r of result.requests.filter((x) => x.attempts === 2)) {
      expect(r.server.map((s) => s.answered)).toEqual([false, true]);
      expect(new Set(r.connections).size).toBe(2);
    }
  });

  it('pipelines the requests', () => {
    expect(result.requests.slice(2, 3).every((r) => r.pipelined)).toBe(true);
  });

  it('reports the effect reproduced', () => {
    expect(verdictOf(toLessonResult(result))).toBe('reproduced');
  });
});
