// The docs check: first on the real repository (these must pass for `npm test`),
// then on small made-up repositories, to show each check catches what it should.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '@connlab/tour/registry';
import {
  checkCaptureMarkers,
  checkCommands,
  checkLessonDocs,
  checkLessonPage,
  checkLessonTable,
  checkLinks,
  checkNextSections,
  splitMarkdown,
} from './check.js';

describe('the docs of this repository', () => {
  it('have a page for every lesson app and an app for every numbered page, each page in the lesson shape', () => {
    expect(checkLessonDocs(repoRoot)).toEqual([]);
  });

  it('show only commands that point at files, scripts and workspaces that exist', () => {
    expect(checkCommands(repoRoot)).toEqual([]);
  });

  it('link only to files that exist', () => {
    expect(checkLinks(repoRoot)).toEqual([]);
  });

  it('mark captured output one way on every page, the CLI page included', () => {
    expect(checkCaptureMarkers(repoRoot)).toEqual([]);
  });

  it.each(['README.md', 'docs/README.md'])('%s lists every lesson app with its doc and packages', (file) => {
    expect(checkLessonTable(repoRoot, file)).toEqual([]);
  });
});

const page = (extra = '') => `# 01 · Echo

**Goal:** see bytes come back.

## The concept
text

## Run it
\`\`\`sh
npx tsx apps/01-echo/src/main.ts
\`\`\`

## What you will see
<!-- captured:begin -->
\`\`\`
output
\`\`\`
<!-- captured:end -->

## Why
## What goes wrong
## Try this
## Next
${extra}`;

function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'connlab-docs-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const app = (n: number, dir: string, deps: Record<string, string> = {}) => ({
  [`apps/${dir}/package.json`]: JSON.stringify({
    name: `@connlab/lesson-${dir}`,
    description: `Lesson ${n}.`,
    connlab: { lesson: n },
    dependencies: { '@connlab/lab': '*', ...deps },
    scripts: { start: 'tsx src/main.ts' },
  }),
});
const pkg = (name: string, scripts: Record<string, string> = {}) => ({
  [`packages/${name}/package.json`]: JSON.stringify({ name: `@connlab/${name}`, scripts }),
});
const sources = (dir: string) => ({ [`apps/${dir}/src/lesson.ts`]: '', [`apps/${dir}/src/main.ts`]: '' });

describe('the docs check catches', () => {
  const roots: string[] = [];
  const repo = (files: Record<string, string>) => {
    const root = fixture({ 'package.json': JSON.stringify({ name: 'root', scripts: { start: 'x', test: 'x', bench: 'x' } }), ...files });
    roots.push(root);
    return root;
  };
  afterEach(() => {
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });

  it('a lesson app without its doc (with or without src/lesson.ts), and a numbered doc without its app', () => {
    const root = repo({ ...app(1, '01-echo'), ...sources('01-echo'), ...app(2, '02-latency'), 'docs/03-ghost.md': page() });
    expect(checkLessonDocs(root)).toEqual([
      'apps/01-echo is lesson 1 but has no docs/01-echo.md',
      'apps/02-latency is lesson 2 but has no docs/02-latency.md',
      'docs/03-ghost.md has no lesson app apps/03-ghost (an app dir with "connlab": { "lesson": 3 })',
    ]);
  });

  it('a lesson page missing a section, out of order, or without output', () => {
    expect(checkLessonPage('d.md', page())).toEqual([]);
    expect(checkLessonPage('d.md', page().replace('## Try this\n', ''))).toEqual(['d.md: no "Try this" section']);
    expect(checkLessonPage('d.md', page().replace('## Why\n', '').replace('## Next', '## Next\n## Why'))).toEqual([
      'd.md:23: "Why" should come before "What goes wrong"',
    ]);
    const noOutput = page().replace(/<!-- captured:begin -->[\s\S]*<!-- captured:end -->/, 'prose only');
    expect(checkLessonPage('d.md', noOutput)).toEqual(['d.md:13: "What you will see" shows no output (no code block)']);
  });

  it('a "Next" that does not lead to the following lesson, and a last one that does not say npm start', () => {
    const next = (text: string): string => `# x\n\n## Next\n\n${text}\n\n## Predict, then measure\n\nLesson 9 is not the next one.\n`;
    const good = [
      { file: 'docs/01-a.md', number: 1, source: next('Lesson 2 measures a handshake.') },
      { file: 'docs/02-b.md', number: 2, source: next('That is the last lesson: `npm start` runs them all.') },
    ];
    expect(checkNextSections(good)).toEqual([]);
    expect(
      checkNextSections([
        { file: 'docs/01-a.md', number: 1, source: next('Lesson 1 looked back at itself; lesson 12 is far away.') },
        { file: 'docs/02-b.md', number: 2, source: next('Lesson 1 was before this one.') },
      ]),
    ).toEqual([
      'docs/01-a.md:3: "Next" should lead to lesson 2',
      `docs/02-b.md:3: the last lesson's "Next" should say how to run them all (npm start)`,
    ]);
  });

  it('unpaired or unknown captured markers, and markers of another syntax, on any page', () => {
    const root = repo({
      'docs/01-echo.md': page('<!-- captured:begin -->'),
      'docs/cli.md':
        '<!-- cli-session:begin echo -->\nx\n<!-- cli-session:end -->\n<!-- captured:begin rm -rf / -->\n<!-- captured:end -->\n```\n<!-- other:begin --> shown as an example\n```',
    });
    expect(checkCaptureMarkers(root)).toEqual([
      'docs/01-echo.md:24: captured:begin is never closed',
      'docs/cli.md:4: the marker must name a command like "npx tsx apps/NN-slug/src/main.ts --flag" or a session like "session echo", got "rm -rf /"',
      'docs/cli.md:1: "cli-session:" markers; captured output is marked <!-- captured:begin … --> … <!-- captured:end -->',
      'docs/cli.md:3: "cli-session:" markers; captured output is marked <!-- captured:begin … --> … <!-- captured:end -->',
    ]);
  });

  it('commands pointing at missing files, scripts or workspaces', () => {
    const root = repo({
      ...app(1, '01-echo'),
      ...sources('01-echo'),
      ...pkg('http', { bench: 'tsx bench/x.ts' }),
      'README.md': [
        '```sh',
        'npm ci && npm start',
        'npx tsx apps/01-echo/src/main.ts --quick',
        'npx tsx apps/01-echo/src/client.ts',
        'npm run bench -w @connlab/http',
        'npm run build',
        'npm pack -w @connlab/nope',
        'cd apps/01-echo && npm start',
        'npx tsx apps/<id>/src/main.ts',
        'npx connlab echo serve',
        '```',
        'Run `npm run lint` or `node scripts/missing.mjs`.',
      ].join('\n'),
    });
    expect(checkCommands(root)).toEqual([
      'README.md:4: `npx tsx apps/01-echo/src/client.ts`: apps/01-echo/src/client.ts does not exist',
      'README.md:6: `npm run build`: the root package.json has no "build" script',
      'README.md:7: `npm pack -w @connlab/nope`: no workspace "@connlab/nope"',
      'README.md:10: `npx connlab echo serve`: no package has a "connlab" bin',
      'README.md:12: `npm run lint`: the root package.json has no "lint" script',
      'README.md:12: `node scripts/missing.mjs`: scripts/missing.mjs does not exist',
    ]);
  });

  it('broken relative links, leaving a lesson page that is not written yet to the lesson-docs check', () => {
    const root = repo({
      ...app(1, '01-echo'),
      'docs/README.md': '[one](01-echo.md) [typo](01-ecko.md) [gone](../packages/gone/README.md) [web](https://example.com) [top](#x)',
    });
    expect(checkLinks(root)).toEqual([
      'docs/README.md:1: link to 01-ecko.md does not resolve (docs/01-ecko.md)',
      'docs/README.md:1: link to ../packages/gone/README.md does not resolve (packages/gone/README.md)',
    ]);
  });

  it('a lesson table that misses a lesson, links the wrong doc, names an unknown package, leaves out a dependency or names one the lesson does not use', () => {
    const root = repo({
      ...app(1, '01-echo', { '@connlab/echo': '*' }),
      ...app(2, '02-latency'),
      ...app(3, '03-handshake'),
      ...pkg('echo'),
      ...pkg('netlab'),
      'README.md': [
        '| # | app | doc | package |',
        '|---|---|---|---|',
        '| 1 | [apps/01-echo](apps/01-echo/) | [docs](docs/01-echo.md) | @connlab/netlab, @connlab/lab |',
        '| 3 | [apps/03-handshake](apps/03-handshake) | [docs](docs/03-wrong.md) | @connlab/nope, [@connlab/netlab](packages/netlab) |',
      ].join('\n'),
    });
    expect(checkLessonTable(root, 'README.md')).toEqual([
      'README.md: the lesson table lists 1, 3 but the apps are 1, 2, 3',
      'README.md:3: @connlab/lab is not a package under packages/',
      'README.md:3: apps/01-echo depends on @connlab/echo; name it in the package column',
      'README.md:3: names @connlab/netlab but apps/01-echo does not depend on it',
      'README.md:4: lesson 3 should link docs/03-handshake.md',
      'README.md:4: @connlab/nope is not a package under packages/',
      'README.md:4: names @connlab/netlab but apps/03-handshake does not depend on it',
    ]);
  });
});

describe('splitMarkdown', () => {
  it('separates fenced code and inline code from prose', () => {
    const parts = splitMarkdown('a `x` b\n````md\ncode\n```\n````\nprose');
    expect(parts.code.map((c) => c.text)).toEqual(['x', 'code', '```']);
    expect(parts.prose.map((p) => p.text)).toEqual(['a `x` b', 'prose']);
  });
});
