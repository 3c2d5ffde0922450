import { UsageError } from '@connlab/lab';
import { describe, expect, it } from 'vitest';
import { foldRepeated, LessonLoadError, lessonEntries, loadLesson, plannedTitle, selectLessons } from './registry.js';

describe('lessonEntries', () => {
  const entries = lessonEntries();

  it('finds the 20 lesson apps, numbered 1 to 20, each directory prefixed with its number', () => {
    expect(entries.map((e) => e.number)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const e of entries) {
      expect(e.dir).toMatch(new RegExp(`^${String(e.number).padStart(2, '0')}-[a-z0-9]+(-[a-z0-9]+)*$`));
      expect(e.packageName).toBe(`@connlab/lesson-${e.dir}`);
    }
  });

  it('loads every lesson by package name, with the number and slug of its directory', async () => {
    for (const e of entries) {
      const lesson = await loadLesson(e);
      expect(`${String(lesson.number).padStart(2, '0')}-${lesson.slug}`, e.packageName).toBe(e.dir);
      expect(lesson.title.length).toBeGreaterThan(0);
      expect(lesson.effect.length).toBeGreaterThan(0);
    }
  });

  it('fails to load, with one line naming the package, a package that is missing or exports no lesson', async () => {
    const missing = {
      number: 99,
      dir: '99-missing',
      packageName: '@connlab/lesson-99-missing',
      description: '',
      path: '/nonexistent/99-missing',
    };
    const error: unknown = await loadLesson(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LessonLoadError);
    expect((error as LessonLoadError).message).toMatch(/^cannot load @connlab\/lesson-99-missing: \S[^\n]*$/);
    expect((error as LessonLoadError).cause).toBeInstanceOf(Error);
    // A real workspace package that is not a lesson: it imports, but has no `lesson` export.
    await expect(loadLesson({ ...missing, packageName: '@connlab/lab' })).rejects.toThrow(
      'cannot load @connlab/lab: the module does not export `lesson`',
    );
  });

  it('takes the title shown before loading from the package description', () => {
    expect(plannedTitle({ number: 5, dir: '05-nagle', packageName: '', description: 'Lesson 05: Nagle and delayed ACK.', path: '' })).toBe(
      'Nagle and delayed ACK',
    );
    expect(plannedTitle({ number: 5, dir: '05-nagle', packageName: '', description: '', path: '' })).toBe('05-nagle');
  });
});

describe('selectLessons', () => {
  const entries = lessonEntries();

  it('selects by number, id or name, in lesson order, from repeated or comma-separated values', () => {
    const ids = (sel: string[]) => selectLessons(entries, sel).map((e) => e.dir);
    expect(ids(['13', '5'])).toEqual(['05-nagle', '13-graceful-close']);
    expect(ids(['time-wait,01-echo, 05'])).toEqual(['01-echo', '05-nagle', '06-time-wait']);
    expect(ids([])).toHaveLength(20);
  });

  it('rejects an unknown lesson with a one-line usage error that points at --list', () => {
    expect(() => selectLessons(entries, ['99'])).toThrow(UsageError);
    expect(() => selectLessons(entries, ['nagel'])).toThrow(/--lesson "nagel" matches no lesson.*--list/);
  });
});

describe('foldRepeated', () => {
  it('joins every occurrence of a flag into one comma list and keeps the other arguments', () => {
    expect(foldRepeated(['--lesson', '5', '--quick', '--lesson=nagle'], 'lesson')).toEqual(['--quick', '--lesson', '5,nagle']);
    expect(foldRepeated(['--quick'], 'lesson')).toEqual(['--quick']);
    // A trailing flag without its value is left for the parser to reject.
    expect(foldRepeated(['--lesson'], 'lesson')).toEqual(['--lesson']);
  });
});
