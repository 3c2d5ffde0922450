import { beforeAll, describe, expect, it } from 'vitest';
import { verdictOf } from '@connlab/lab';
import type { LessonResult } from '@connlab/lab';
import { run } from './experiment.js';
import type { ExperimentResult } from './experiment.js';
import { effectShown, lesson, toLessonResult } from './lesson.js';
import { notesMessage } from './notes.js';

describe('lesson 01 experiment: the notes’ effect', () => {
  let r: ExperimentResult;
  beforeAll(async () => {
    r = await run({ bulkBytes: 2 << 20 });
  }, 60_000);

  it("reads the notes' pair 16 bytes at a time, every byte intact", () => {
    expect(r.notesPair.serverReads.map((b) => b.length)).toEqual([16, 16, 16, 16, 16, 16, 7]);
    expect(Buffer.concat(r.notesPair.serverReads).toString()).toBe(notesMessage);
    expect(r.notesPair).toMatchObject({ sent: 103, received: 103, intact: true });
    expect(Math.max(...r.notesPair.clientReads)).toBeLessThanOrEqual(16);
  });

  it('keeps no message boundaries: one read gets part of the message, so the reader must loop', () => {
    expect(r.stream.writes).toEqual([40, 30, 33]);
    expect(r.stream.intact).toBe(true);
    expect(r.stream.firstRead).toBeGreaterThan(0);
    expect(r.stream.firstRead).toBeLessThan(103);
    expect(r.stream.clientReads.reduce((a, b) => a + b, 0)).toBe(103);
    expect(Math.max(...r.stream.serverReads)).toBeLessThanOrEqual(16);
  });

  it('delivers every byte of the bulk transfer both ways', () => {
    expect(r.sendall.intact).toBe(true);
    expect(r.sendall.writes).toBe(32);
  });

  it('closes cleanly both ways, each side first once, nobody reset', () => {
    expect(r.close.clientFirst).toMatchObject({ closedFirstBy: 'peer', aborted: undefined });
    expect(r.close.serverFirst).toMatchObject({ closedFirstBy: 'server', aborted: undefined, graceful: 1, destroyed: 0 });
    expect(r.close.clientFirst.events[0]?.who).toBe('client');
    expect(r.close.serverFirst.events[0]?.who).toBe('server');
  });

  it('passes every check and reports the largest read against recv(16)', () => {
    expect(effectShown(r).filter((c) => !c.passed)).toEqual([]);
    expect(toLessonResult(r).measurements.find((m) => m.label.startsWith('largest'))).toMatchObject({
      value: 16,
      textbook: 'at most 16 B (recv(16))',
    });
  });
});

describe('lesson 01 experiment: a kernel that delivers small reads itself', () => {
  let r: ExperimentResult;
  beforeAll(async () => {
    r = await run({ bulkBytes: 1 << 20 });
  }, 60_000);

  it('observes the kernel reads rather than choosing them: one read of the whole message on loopback', () => {
    expect(r.notesPair.kernelReads).toEqual([notesMessage.length]);
    expect(r.stream.kernelReads.reduce((a, b) => a + b, 0)).toBe(notesMessage.length);
  });

  it('reports NOT reproduced when the kernel itself delivered no more than 16 bytes per read', () => {
    const altered: ExperimentResult = { ...r, notesPair: { ...r.notesPair, kernelReads: [16, 16, 16, 16, 16, 16, 7] } };
    expect(
      effectShown(altered)
        .filter((c) => !c.passed)
        .map((c) => c.label),
    ).toEqual([expect.stringMatching(/^the kernel delivered the 103-byte message in reads larger than 16 B/)]);
  });
});

describe('lesson 01 as the tour runs it', () => {
  const progress: string[] = [];
  let result: LessonResult;
  beforeAll(async () => {
    result = await lesson.run({ quick: true, progress: (what) => progress.push(what) });
  }, 60_000);

  it('is reproduced', () => {
    expect(verdictOf(result)).toBe('reproduced');
  });

  it('reports progress', () => {
    expect(progress.length).toBeGreaterThan(0);
  });

  it('draws a table, bars and two tables', () => {
    expect(result.figures.map((f) => f.kind)).toEqual(['table', 'bars', 'table', 'table']);
  });
});
