// The screenshot's record: the real one first (npm test fails when docs/report.png is stale), then made-up repositories.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '@connlab/tour/registry';
import { caption, checkScreenshot, writeRecord } from './screenshot-record.js';
import type { ScreenshotRecord } from './screenshot-record.js';

describe('docs/report.png of this repository', () => {
  it('shows every lesson app, with statuses the tour has, and the READMEs caption it from its record', () => {
    expect(checkScreenshot(repoRoot)).toEqual([]);
  });
});

const app = (n: number, dir: string) => ({
  [`apps/${dir}/package.json`]: JSON.stringify({ name: `@connlab/lesson-${dir}`, description: `Lesson ${n}.`, connlab: { lesson: n } }),
});

describe('checkScreenshot catches', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });
  function repo(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'connlab-shot-'));
    roots.push(root);
    for (const [path, content] of Object.entries({
      'docs/report.png': 'png',
      'README.md': '# x\n\n![The lab report](docs/report.png)\n\nmore\n',
      ...files,
    })) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    return root;
  }
  const record = (lessons: ScreenshotRecord['lessons']): ScreenshotRecord => ({
    taken: '2026-12-03',
    lessons,
    counts: Object.fromEntries([...new Set(lessons.map((l) => l.status))].map((s) => [s, lessons.filter((l) => l.status === s).length])),
  });

  it('nothing when the record matches the apps and the caption is written', () => {
    const root = repo({ ...app(1, '01-a'), ...app(2, '02-b') });
    const r = record([
      { id: '01-a', status: 'reproduced' },
      { id: '02-b', status: 'partly-skipped' },
    ]);
    writeRecord(root, r);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain(`![The lab report](docs/report.png)\n${caption(r)}\n`);
    expect(caption(r)).toBe(
      '<sub>The report of a `npm start -- --quick` run on 2026-12-03: 2 lessons, 1 reproduced, 1 partly skipped.</sub>',
    );
    expect(checkScreenshot(root)).toEqual([]);
  });

  it('a picture taken before a lesson was added, an old status, and a caption that disagrees', () => {
    const root = repo({ ...app(1, '01-a'), ...app(2, '02-b') });
    writeRecord(
      root,
      record([
        { id: '01-a', status: 'reproduced' },
        { id: '99-old', status: 'not built yet' },
      ]),
    );
    writeFileSync(join(root, 'README.md'), '![The lab report](docs/report.png)\n<sub>The report of a run: 16 lessons.</sub>\n');
    const problems = checkScreenshot(root);
    expect(problems[0]).toMatch(
      /^docs\/report\.png is stale: it shows 2 lessons, the repository has 2 \(not shown: 02-b\) \(no longer lessons: 99-old\); run /,
    );
    expect(problems[1]).toBe(
      'docs/report.png shows statuses the tour no longer has: not built yet; run `npm start -- --quick` and `npx tsx tools/docs/screenshot.ts`',
    );
    expect(problems[2]).toMatch(/^README\.md:2: the caption under the screenshot should be: <sub>The report of/);
  });

  it('a picture with no record', () => {
    expect(checkScreenshot(repo(app(1, '01-a')))).toEqual([expect.stringMatching(/^docs\/report\.json is missing/)]);
  });
});
