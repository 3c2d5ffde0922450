// Keeps the docs true to the repository: every lesson app has its page and
// every page its app, the commands the docs show point at files and scripts
// that exist, relative links resolve, and the lesson tables in README.md and
// docs/README.md list exactly the lesson apps. Each check returns a list of
// problems, one line each, naming the file; an empty list means all is well.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { lessonEntries, readManifest } from '@connlab/tour/registry';
import type { LessonEntry } from '@connlab/tour/registry';
import { CaptureError, findCaptureBlocks } from './markers.js';

/** The sections of a lesson page, in order (docs/README.md explains them). */
export const lessonSections: readonly { name: string; heading: RegExp }[] = [
  { name: 'Goal', heading: /goal/ },
  { name: 'The concept', heading: /concept/ },
  { name: 'Run it', heading: /^run\b/ },
  { name: 'What you will see', heading: /what you('ll| will) see/ },
  { name: 'Why', heading: /^why\b/ },
  { name: 'What goes wrong', heading: /goes wrong|can go wrong/ },
  { name: 'Try this', heading: /^try\b/ },
  { name: 'Next', heading: /^next\b/ },
];

/** The folders of the root package.json's workspaces. */
const workspaceGroups = ['packages', 'apps', 'tools'];

const numberedDoc = /^(\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*\.md$/;

function posix(path: string): string {
  return path.split(sep).join('/');
}

/** A markdown file split into its prose lines and its code (fenced blocks and inline spans). */
export interface MarkdownParts {
  /** Lines outside fenced blocks, with their 1-based line numbers. */
  prose: { line: number; text: string }[];
  /** Every piece of code: fenced block lines and inline code spans. */
  code: { line: number; text: string }[];
}

export function splitMarkdown(source: string): MarkdownParts {
  const parts: MarkdownParts = { prose: [], code: [] };
  let fence: string | undefined;
  source.split('\n').forEach((text, i) => {
    const line = i + 1;
    const marker = /^\s*(`{3,}|~{3,})/.exec(text)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      return;
    }
    if (fence !== undefined) {
      parts.code.push({ line, text });
      return;
    }
    parts.prose.push({ line, text });
    for (const m of text.matchAll(/(`+)(.+?)\1/g)) parts.code.push({ line, text: m[2]! });
  });
  return parts;
}

/** The markdown files whose commands and links are checked. */
export function markdownFiles(root: string): string[] {
  const files = ['README.md'];
  if (existsSync(join(root, 'docs')))
    files.push(
      ...readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    );
  for (const group of workspaceGroups) {
    if (!existsSync(join(root, group))) continue;
    for (const dir of readdirSync(join(root, group)))
      if (existsSync(join(root, group, dir, 'README.md'))) files.push(`${group}/${dir}/README.md`);
  }
  return files.filter((f) => existsSync(join(root, f))).sort();
}

/**
 * Where each lesson app's page lives. A link to one of these that does not
 * resolve is left to checkLessonDocs, which reports the missing page once.
 */
function lessonDocPaths(entries: readonly LessonEntry[]): Set<string> {
  return new Set(entries.map((e) => `docs/${e.dir}.md`));
}

/**
 * Every lesson app (a package.json with "connlab": { "lesson": N }) has
 * docs/<dir>.md; every numbered doc has a lesson app of the same name; every lesson page has the
 * eight sections in order and output under "What you will see".
 */
export function checkLessonDocs(root: string): string[] {
  const problems: string[] = [];
  const pages: { file: string; number: number; source: string }[] = [];
  const entries = lessonEntries(join(root, 'apps'));
  const docsDir = join(root, 'docs');
  const docs = existsSync(docsDir) ? readdirSync(docsDir).filter((f) => /^\d/.test(f) && f.endsWith('.md')) : [];
  for (const e of entries) {
    if (!docs.includes(`${e.dir}.md`)) problems.push(`apps/${e.dir} is lesson ${e.number} but has no docs/${e.dir}.md`);
  }
  for (const doc of docs) {
    const m = numberedDoc.exec(doc);
    if (!m) {
      problems.push(`docs/${doc}: a numbered doc must be named NN-slug.md like its app`);
      continue;
    }
    const dir = doc.slice(0, -3);
    const app = entries.find((e) => e.dir === dir);
    if (!app) {
      problems.push(`docs/${doc} has no lesson app apps/${dir} (an app dir with "connlab": { "lesson": ${Number(m[1])} })`);
      continue;
    }
    if (app.number !== Number(m[1])) problems.push(`docs/${doc}: apps/${dir} says it is lesson ${app.number}`);
    const source = readFileSync(join(docsDir, doc), 'utf8');
    problems.push(...checkLessonPage(`docs/${doc}`, source));
    pages.push({ file: `docs/${doc}`, number: app.number, source });
  }
  problems.push(...checkNextSections(pages));
  return problems;
}

/**
 * The lessons read as one course: each page's "Next" names the lesson after
 * it, and the last page's "Next" says how to run them all (`npm start`).
 */
export function checkNextSections(pages: readonly { file: string; number: number; source: string }[]): string[] {
  const problems: string[] = [];
  const sorted = [...pages].sort((a, b) => a.number - b.number);
  sorted.forEach((page, i) => {
    const lines = page.source.split('\n');
    const start = lines.findIndex((l) => /^##\s+next\b/i.test(l));
    if (start === -1) return; // checkLessonPage reports the missing section
    const end = lines.findIndex((l, j) => j > start && /^#{1,2}\s/.test(l));
    const next = lines.slice(start + 1, end === -1 ? undefined : end).join(' ');
    const following = sorted[i + 1];
    if (following && !new RegExp(`\\blessons?\\s+0?${following.number}\\b`, 'i').test(next))
      problems.push(`${page.file}:${start + 1}: "Next" should lead to lesson ${following.number}`);
    if (!following && !next.includes('npm start'))
      problems.push(`${page.file}:${start + 1}: the last lesson's "Next" should say how to run them all (npm start)`);
  });
  return problems;
}

/** One lesson page: sections present and in order, output shown. */
export function checkLessonPage(file: string, source: string): string[] {
  const problems: string[] = [];
  const { prose } = splitMarkdown(source);
  const headings = prose
    .filter((p) => /^#{1,6}\s/.test(p.text) || /^\*\*goal\b/i.test(p.text.trim()))
    .map((p) => ({
      line: p.line,
      text: p.text
        .replace(/^#+\s*|\*\*/g, '')
        .trim()
        .toLowerCase(),
    }));
  const found: { name: string; line: number }[] = [];
  for (const section of lessonSections) {
    const match = headings.find((h) => section.heading.test(h.text));
    if (match) found.push({ name: section.name, line: match.line });
    else problems.push(`${file}: no "${section.name}" section`);
  }
  const inversion = found.findIndex((f, i) => i > 0 && f.line < found[i - 1]!.line);
  if (inversion > 0)
    problems.push(`${file}:${found[inversion - 1]!.line}: "${found[inversion - 1]!.name}" should come before "${found[inversion]!.name}"`);
  const seeLine = found.find((f) => f.name === 'What you will see')?.line ?? 0;
  const lines = source.split('\n');
  if (seeLine) {
    const nextHeading = lines.findIndex((l, i) => i >= seeLine && /^#{1,2}\s/.test(l));
    const body = lines.slice(seeLine, nextHeading === -1 ? undefined : nextHeading);
    if (!body.some((l) => /^\s*(`{3,}|~{3,})/.test(l)))
      problems.push(`${file}:${seeLine}: "What you will see" shows no output (no code block)`);
  }
  return problems;
}

interface Workspace {
  dir: string;
  name: string;
  scripts: Record<string, string>;
  bin: string[];
}

function workspaces(root: string): Workspace[] {
  const out: Workspace[] = [];
  const add = (dir: string) => {
    try {
      const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
        name?: string;
        scripts?: Record<string, string>;
        bin?: string | Record<string, string>;
      };
      const bin = typeof pkg.bin === 'string' ? [pkg.name?.replace(/^@[^/]+\//, '') ?? ''] : Object.keys(pkg.bin ?? {});
      out.push({ dir, name: pkg.name ?? dir, scripts: pkg.scripts ?? {}, bin });
    } catch {
      // not a package
    }
  };
  add('.');
  for (const group of workspaceGroups) {
    if (!existsSync(join(root, group))) continue;
    for (const dir of readdirSync(join(root, group))) add(`${group}/${dir}`);
  }
  return out;
}

const placeholder = /[<>*{}$]|\bNN\b|\.\.\./;

/**
 * The commands shown in code (fenced blocks and inline spans) must point at
 * things that exist: `npx tsx <file>` / `node <file>` files, `npm run <script>`,
 * `npm start` and `npm test` scripts (in the workspace named by -w, or the
 * root), `-w <workspace>` names, and `npx connlab` a package bin.
 * Paths are taken from the repository root unless a `cd <dir> &&` comes first;
 * anything with a placeholder (<id>, NN, *) is left alone.
 */
export function checkCommands(root: string): string[] {
  const problems: string[] = [];
  const ws = workspaces(root);
  const findWs = (name: string) => ws.find((w) => w.name === name || w.dir === normalize(name).replace(/\/$/, ''));
  for (const file of markdownFiles(root)) {
    for (const { line, text } of splitMarkdown(readFileSync(join(root, file), 'utf8')).code) {
      for (const command of text.split(/&&|;|\|\|?/).map((c) => c.trim())) {
        problems.push(...checkCommand(root, command, text, ws, findWs).map((p) => `${file}:${line}: ${p}`));
      }
    }
  }
  return problems;
}

function checkCommand(
  root: string,
  command: string,
  whole: string,
  ws: Workspace[],
  findWs: (name: string) => Workspace | undefined,
): string[] {
  const cd = /(?:^|&&|;)\s*cd\s+(\S+)\s*&&/.exec(whole)?.[1];
  const base = cd && !placeholder.test(cd) ? join(root, cd) : root;
  const words = command
    .replace(/^\$\s+/, '')
    .split(/\s+/)
    .filter(Boolean);
  const problems: string[] = [];
  const fileArg = (index: number) => {
    const target = words[index];
    if (!target || target.startsWith('-') || placeholder.test(target)) return;
    if (!existsSync(join(base, target))) problems.push(`\`${command}\`: ${posix(relative(root, join(base, target)))} does not exist`);
  };
  if (words[0] === 'npx' && words[1] === 'tsx') fileArg(2);
  else if (words[0] === 'tsx' || (words[0] === 'node' && /\.(m?js|ts)$/.test(words[1] ?? ''))) fileArg(1);
  else if (words[0] === 'npx' && words[1] === 'connlab' && !ws.some((w) => w.bin.includes('connlab')))
    problems.push(`\`${command}\`: no package has a "connlab" bin`);
  else if (words[0] === 'npm') {
    const wIndex = words.findIndex((w) => w === '-w' || w === '--workspace' || w.startsWith('--workspace='));
    const wName =
      wIndex === -1
        ? undefined
        : words[wIndex]!.startsWith('--workspace=')
          ? words[wIndex]!.slice('--workspace='.length)
          : words[wIndex + 1];
    const target = wName === undefined ? findWs(cd ? posix(relative(root, base)) || '.' : '.') : findWs(wName);
    if (wName !== undefined && !placeholder.test(wName) && !target) problems.push(`\`${command}\`: no workspace "${wName}"`);
    const rest = words.filter((_, i) => i !== wIndex && (wIndex === -1 || words[wIndex]!.includes('=') || i !== wIndex + 1));
    const script =
      rest[1] === 'run' || rest[1] === 'run-script' ? rest[2] : rest[1] === 'start' || rest[1] === 'test' ? rest[1] : undefined;
    if (script && !placeholder.test(script) && !script.startsWith('-') && target && !(script in target.scripts)) {
      problems.push(
        `\`${command}\`: ${target.dir === '.' ? 'the root package.json' : `${target.dir}/package.json`} has no "${script}" script`,
      );
    }
  }
  return problems;
}

/** Relative links and image sources in prose must resolve (lesson pages: see lessonDocPaths). */
export function checkLinks(root: string): string[] {
  const problems: string[] = [];
  const pending = lessonDocPaths(lessonEntries(join(root, 'apps')));
  for (const file of markdownFiles(root)) {
    for (const { line, text } of splitMarkdown(readFileSync(join(root, file), 'utf8')).prose) {
      const targets = [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g), ...text.matchAll(/\s(?:src|href)="([^"]+)"/g)].map(
        (m) => m[1]!,
      );
      for (const target of targets) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
        const path = posix(normalize(join(dirname(file), decodeURIComponent(target.replace(/[#?].*$/, '')))));
        if (!existsSync(join(root, path)) && !pending.has(path))
          problems.push(`${file}:${line}: link to ${target} does not resolve (${path})`);
      }
    }
  }
  return problems;
}

export interface TableRow {
  line: number;
  number: number;
  /** Repository-relative link targets in the row, trailing slash removed. */
  links: string[];
  packages: string[];
}

/** The rows of a markdown file's lesson table: table rows that link to an app under apps/. */
export function lessonTableRows(file: string, source: string): TableRow[] {
  const rows: TableRow[] = [];
  for (const { line, text } of splitMarkdown(source).prose) {
    if (!text.trim().startsWith('|')) continue;
    const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1]!)
      .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#'))
      .map((t) => posix(normalize(join(dirname(file), t.replace(/[#?].*$/, '')))).replace(/\/$/, ''));
    if (!links.some((l) => l.startsWith('apps/'))) continue;
    const first = text.split('|')[1] ?? '';
    const number = Number(/\d+/.exec(first)?.[0] ?? Number.NaN);
    const packages = [...new Set([...text.matchAll(/@connlab\/([a-z0-9-]+)/g)].map((m) => m[1]!))];
    rows.push({ line, number, links, packages });
  }
  return rows;
}

/**
 * A lesson table (README.md, docs/README.md) lists every lesson app once, in
 * order, each row linking its app and its doc, and naming packages that exist:
 * every @connlab package the app depends on (the lab kit may be left out) and
 * no others.
 */
export function checkLessonTable(root: string, file: string): string[] {
  if (!existsSync(join(root, file))) return [`${file} is missing`];
  const entries = lessonEntries(join(root, 'apps'));
  const rows = lessonTableRows(file, readFileSync(join(root, file), 'utf8'));
  const problems: string[] = [];
  if (rows.length === 0) return [`${file}: no lesson table (rows linking apps/NN-slug)`];
  const numbers = rows.map((r) => r.number);
  const expected = entries.map((e) => e.number);
  if (numbers.join(',') !== expected.join(','))
    problems.push(`${file}: the lesson table lists ${numbers.join(', ')} but the apps are ${expected.join(', ')}`);
  for (const row of rows) {
    const e = entries.find((x) => x.number === row.number);
    if (!e) continue;
    const where = `${file}:${row.line}`;
    if (!row.links.includes(`apps/${e.dir}`)) problems.push(`${where}: lesson ${e.number} should link apps/${e.dir}`);
    if (!row.links.includes(`docs/${e.dir}.md`)) problems.push(`${where}: lesson ${e.number} should link docs/${e.dir}.md`);
    const known = row.packages.filter((pkg) => readManifest(join(root, 'packages', pkg))?.name === `@connlab/${pkg}`);
    for (const pkg of row.packages) {
      if (!known.includes(pkg)) problems.push(`${where}: @connlab/${pkg} is not a package under packages/`);
    }
    const deps = Object.keys(readManifest(e.path)?.dependencies ?? {}).filter((d) => d.startsWith('@connlab/') && d !== '@connlab/lab');
    for (const dep of deps) {
      if (!row.packages.includes(dep.slice('@connlab/'.length)))
        problems.push(`${where}: apps/${e.dir} depends on ${dep}; name it in the package column`);
    }
    // A name that is not a package at all was reported above; say it once.
    for (const pkg of known) {
      if (pkg !== 'lab' && !deps.includes(`@connlab/${pkg}`))
        problems.push(`${where}: names @connlab/${pkg} but apps/${e.dir} does not depend on it`);
    }
  }
  return problems;
}

/**
 * Every page marks captured output one way (markers.ts): begin and end paired,
 * each begin naming nothing, a command the capture may run, or a session. A
 * marker of another kind (`<!-- something:begin -->`) is reported too.
 */
export function checkCaptureMarkers(root: string): string[] {
  const problems: string[] = [];
  for (const file of markdownFiles(root)) {
    const source = readFileSync(join(root, file), 'utf8');
    try {
      findCaptureBlocks(source, file);
    } catch (error) {
      if (!(error instanceof CaptureError)) throw error;
      problems.push(error.message);
    }
    for (const { line, text } of splitMarkdown(source).prose) {
      const kind = /^\s*<!--\s*([\w-]+):(?:begin|end)\b/.exec(text)?.[1];
      if (kind && kind !== 'captured')
        problems.push(`${file}:${line}: "${kind}:" markers; captured output is marked <!-- captured:begin … --> … <!-- captured:end -->`);
    }
  }
  return problems;
}
