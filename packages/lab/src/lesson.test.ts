import { describe, expect, it } from 'vitest';
import { check, verdictOf } from './lesson.js';
import { formatLessonResult } from './text.js';

const ok = check('stall ≥ 30 ms', true, '41.8 ms');
const bad = check('stall ≥ 30 ms', false, '2.1 ms');
const emu = check('relay RTT ≥ 40 ms', true, '41 ms', { emulated: true });

describe('verdictOf', () => {
  it('counts a failed check that ran as not reproduced, even when another part was skipped', () => {
    expect(verdictOf({ checks: [ok, bad] })).toBe('not-reproduced');
    expect(verdictOf({ checks: [bad], skipped: 'skipped: part needs root' })).toBe('not-reproduced');
    expect(verdictOf({ checks: [emu, bad] })).toBe('not-reproduced');
  });

  it('tells reproduced, partly skipped, emulated and skipped apart', () => {
    expect(verdictOf({ checks: [ok] })).toBe('reproduced');
    expect(verdictOf({ checks: [ok], skipped: 'skipped: part needs root' })).toBe('partly-skipped');
    expect(verdictOf({ checks: [ok, emu] })).toBe('emulated');
    expect(verdictOf({ checks: [ok, emu], skipped: 'skipped: part needs root' })).toBe('emulated');
    expect(verdictOf({ checks: [], skipped: 'skipped: needs root' })).toBe('skipped');
    expect(verdictOf({ checks: [] })).toBe('skipped');
  });
});

describe('check', () => {
  it('keeps emulated only when set and refuses a non-boolean verdict', () => {
    expect(ok).toEqual({ label: 'stall ≥ 30 ms', passed: true, measured: '41.8 ms' });
    expect(emu.emulated).toBe(true);
    expect(() => check('x', 'yes' as unknown as boolean, '1')).toThrow(/boolean/);
  });
});

describe('formatLessonResult', () => {
  it('prints every check with its measured value and the verdict last', () => {
    const lesson = { number: 5, slug: 'nagle', title: 'Nagle', effect: 'stalls' };
    const out = formatLessonResult(lesson as never, { checks: [ok, bad], measurements: [], lines: [], figures: [] });
    // eslint-disable-next-line no-control-regex
    const plain = out.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
    expect(plain).toContain('✔ stall ≥ 30 ms: 41.8 ms');
    expect(plain).toContain('✘ stall ≥ 30 ms: 2.1 ms');
    expect(plain.at(-1)).toBe('effect NOT reproduced');
  });
});
