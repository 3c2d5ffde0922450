import { describe, expect, it } from 'vitest';
import { verdictOf } from '@connlab/lab';
import { run } from './experiment.js';
import { effectShown, lesson, toLessonResult } from './lesson.js';
import { notesMessage } from './notes.js';

describe('lesson 01 experiment', () => {
  it('shows the notes’ effect: 16-byte reads, a reader that must loop, clean closes both ways', async () => {
    const r = await run({ bulkBytes: 2 << 20 });

    // Part 1: the notes' pair.
    const reads = r.notesPair.serverReads.map((b) => b.length);
    expect(reads).toEqual([16, 16, 16, 16, 16, 16, 7]);
    expect(Buffer.concat(r.notesPair.serverReads).toString()).toBe(notesMessage);
    expect(r.notesPair).toMatchObject({ sent: 103, received: 103, intact: true });
    expect(Math.max(...r.notesPair.clientReads)).toBeLessThanOrEqual(16);

    // Part 2: no boundaries; one read gets part of the message.
    expect(r.stream.writes).toEqual([40, 30, 33]);
    expect(r.stream.intact).toBe(true);
    expect(r.stream.firstRead).toBeGreaterThan(0);
    expect(r.stream.firstRead).toBeLessThan(103);
    expect(r.stream.clientReads.reduce((a, b) => a + b, 0)).toBe(103);
    expect(Math.max(...r.stream.serverReads)).toBeLessThanOrEqual(16);

    // Part 3: both ways deliver every byte.
    expect(r.sendall.intact).toBe(true);
    expect(r.sendall.writes).toBe(32);

    // Part 4: who closed first, and nobody was reset.
    expect(r.close.clientFirst).toMatchObject({ closedFirstBy: 'peer', aborted: undefined });
    expect(r.close.serverFirst).toMatchObject({ closedFirstBy: 'server', aborted: undefined, graceful: 1, destroyed: 0 });
    expect(r.close.clientFirst.events[0]?.who).toBe('client');
    expect(r.close.serverFirst.events[0]?.who).toBe('server');

    expect(effectShown(r).filter((c) => !c.passed)).toEqual([]);
    const result = toLessonResult(r);
    expect(result.measurements.find((m) => m.label.startsWith('largest'))).toMatchObject({
      value: 16,
      textbook: 'at most 16 B (recv(16))',
    });
  });

  it('reports NOT reproduced when the kernel itself delivered no more than 16 bytes per read', async () => {
    const r = await run({ bulkBytes: 1 << 20 });
    // The kernel's reads are observed, not chosen by the server: one read of the whole message on loopback.
    expect(r.notesPair.kernelReads).toEqual([notesMessage.length]);
    expect(r.stream.kernelReads.reduce((a, b) => a + b, 0)).toBe(notesMessage.length);
    r.notesPair.kernelReads = [16, 16, 16, 16, 16, 16, 7];
    expect(
      effectShown(r)
        .filter((c) => !c.passed)
        .map((c) => c.label),
    ).toEqual([expect.stringMatching(/^the kernel delivered the 103-byte message in reads larger than 16 B/)]);
  });

  it('runs as a lesson the tour can call', async () => {
    const progress: string[] = [];
    const result = await lesson.run({ quick: true, progress: (what) => progress.push(what) });
    expect(verdictOf(result)).toBe('reproduced');
    expect(progress.length).toBeGreaterThan(0);
    expect(result.figures.map((f) => f.kind)).toEqual(['table', 'bars', 'table', 'table']);
  });
});
