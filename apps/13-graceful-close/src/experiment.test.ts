import { verdictOf } from '@connlab/lab';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCase } from './experiment.js';
import type { CaseResult } from './experiment.js';
import { toLessonResult, wireCheck } from './lesson.js';

describe('graceful close vs RST, measured', () => {
  let abrupt: CaseResult;
  let graceful: CaseResult[];
  beforeAll(async () => {
    abrupt = await runCase({ close: 'abrupt', read: 'after-sending' });
    graceful = [];
    for (const read of ['after-sending', 'while-sending'] as const) graceful.push(await runCase({ close: 'graceful', read }));
  }, 60_000);

  it('an abrupt close loses the unread answer of a client that reads after sending, with ECONNRESET or EPIPE', () => {
    expect(abrupt.clientError).toMatch(/ECONNRESET|EPIPE/);
    expect(abrupt.receivedBytes).toBeLessThan(abrupt.expectedBytes);
  });

  it("an abrupt close stops the upload: the server's kernel reset the connection", () => {
    expect(abrupt.uploadedBytes).toBeLessThan(16 * 1024 * 1024);
  });

  it('half-close, drain and close delivers every byte of the answer without an error', () => {
    for (const r of graceful) {
      expect(r.clientError).toBeUndefined();
      expect(r.receivedBytes).toBe(r.expectedBytes);
      expect(r.drainedBytes).toBeGreaterThan(0);
    }
  });
});

describe('graceful close vs RST, the verdicts', () => {
  it('the lesson reports the effect from the measurement, and not when nothing was lost', () => {
    const base = { clientPort: 1, expectedBytes: 100, uploadedBytes: 1, drainedBytes: 0, ms: 1 };
    const lost = toLessonResult({
      cases: [
        { ...base, close: 'abrupt', read: 'after-sending', receivedBytes: 0, clientError: 'ECONNRESET', complete: false },
        { ...base, close: 'graceful', read: 'after-sending', receivedBytes: 100, clientError: undefined, complete: true },
      ],
    });
    expect(verdictOf(lost)).toBe('reproduced');
    const notLost = toLessonResult({
      cases: [
        { ...base, close: 'abrupt', read: 'after-sending', receivedBytes: 100, clientError: 'ECONNRESET', complete: true },
        { ...base, close: 'graceful', read: 'after-sending', receivedBytes: 100, clientError: undefined, complete: true },
      ],
    });
    expect(verdictOf(notLost)).toBe('not-reproduced');
  });

  it('fails the packet check when an abrupt close sent no RST, or a graceful one did', () => {
    const found = { abruptReset: 2, abrupt: 2, gracefulReset: 0, excerpt: [], gracefulExcerpt: [] };
    expect(wireCheck(found).passed).toBe(true);
    expect(wireCheck({ ...found, abruptReset: 1 }).passed).toBe(false);
    expect(wireCheck({ ...found, gracefulReset: 1 }).passed).toBe(false);
    expect(wireCheck({ ...found, abrupt: 0, abruptReset: 0 }).passed).toBe(false);
  });
});
