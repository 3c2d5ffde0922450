import { verdictOf } from '@connlab/lab';
import { describe, expect, it } from 'vitest';
import { modelLessonResult } from './lesson.js';
import { slowStartModel } from './model.js';

describe('slow start model (used without network namespaces)', () => {
  it('doubles from 10 segments per round trip: 2 MiB take 8 rounds', () => {
    const m = slowStartModel(2 << 20, 40);
    expect(m.rounds.map((r) => r.cwnd)).toEqual([10, 20, 40, 80, 160, 320, 640, 1280]);
    expect(m.ms).toBe(9 * 40);
    expect(slowStartModel(2 << 20, 40, m.finalCwnd).roundTrips).toBe(1);
  });

  it('is labelled as a model, with the reason the measurement was skipped', () => {
    const r = modelLessonResult(2 << 20, 40, 'no namespaces here');
    expect(r.emulated).toMatch(/^MODEL/);
    expect(r.skipped).toMatch(/no namespaces here/);
    expect(r.checks).toEqual([]);
    expect(verdictOf(r)).toBe('skipped');
  });
});
