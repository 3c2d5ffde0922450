// Two habits of the repository, checked by a static scan of its source (see
// docs/ARCHITECTURE.md, "Where a new lesson goes"):
// - a lesson app's tests are src/experiment.test.ts (required), src/capture.test.ts,
//   src/cli.test.ts, or src/<unit>.test.ts beside the src/<unit>.ts it tests; the
//   experiment and capture tests run the experiment once, in beforeAll, and every
//   `it` only reads the stored result (no async `it`), so one failure doesn't cascade;
// - a .ts file that a program starts as a child process ends in -child.ts;
// - code waits with @connlab/lab's sleep/until, not an inline setTimeout promise.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Source files by path relative to the repository root, forward slashes. */
export type SourceTree = Readonly<Record<string, string>>;

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.vitest', '.turbo', 'coverage']);

/** Read every .ts file under apps/, packages/, tools/ and scripts/ of `root`. */
export function readSourceTree(root: string): SourceTree {
  const tree: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (SKIP_DIRS.has(name)) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) tree[relative(root, path).split('\\').join('/')] = readFileSync(path, 'utf8');
    }
  };
  for (const top of ['apps', 'packages', 'tools', 'scripts']) {
    try {
      walk(join(root, top));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return tree;
}

const LESSON_APP = /^apps\/(\d\d-[^/]+)\//;
/** The tests a lesson app may have besides src/<unit>.test.ts: the experiment, its capture, its command lines. */
const LESSON_TESTS = new Set(['experiment', 'capture', 'cli']);
/** The tests that run the lesson's experiment. */
const RUNS_EXPERIMENT = new Set(['experiment', 'capture']);

/** Problems with the names and shape of the lesson apps' tests, one line each. */
export function lessonTestProblems(tree: SourceTree): string[] {
  const problems: string[] = [];
  const apps = new Set(
    Object.keys(tree)
      .map((p) => LESSON_APP.exec(p)?.[1])
      .filter((a) => a !== undefined),
  );
  for (const app of [...apps].sort()) {
    const dir = `apps/${app}`;
    if (!(`${dir}/src/experiment.test.ts` in tree)) problems.push(`${dir}: no src/experiment.test.ts (the lesson's experiment test)`);
    for (const path of Object.keys(tree).filter((p) => p.startsWith(`${dir}/`) && p.endsWith('.test.ts'))) {
      const m = new RegExp(`^${dir}/src/([^/]+)\\.test\\.ts$`).exec(path);
      if (!m) {
        problems.push(`${path}: a lesson's tests sit directly in src/`);
        continue;
      }
      const unit = m[1]!;
      if (!LESSON_TESTS.has(unit) && !(`${dir}/src/${unit}.ts` in tree))
        problems.push(`${path}: name it experiment.test.ts or capture.test.ts, or after the unit it tests (src/${unit}.ts does not exist)`);
      if (RUNS_EXPERIMENT.has(unit)) problems.push(...experimentShapeProblems(path, tree[path]!));
    }
  }
  return problems.sort();
}

/** A test that runs the experiment does it in beforeAll; its `it`s are synchronous reads of the result. */
function experimentShapeProblems(path: string, text: string): string[] {
  const problems: string[] = [];
  if (!/\bbeforeAll\s*\(/.test(text)) problems.push(`${path}: no beforeAll: run the experiment once there, with a generous timeout`);
  // it('…', async …), it.skipIf(x)('…', async …), it.each(…)('…', async …)
  const asyncIt = /\bit(?:\.\w+(?:\([^)]*\))?)?\(\s*(?:'[^']*'|"[^"]*"|`[^`]*`)\s*,\s*async\b/g;
  for (const m of text.matchAll(asyncIt)) {
    const line = text.slice(0, m.index).split('\n').length;
    problems.push(`${path}:${line}: an async it: run the experiment in beforeAll and let each it assert on the stored result`);
  }
  return problems;
}

/** A call that starts a process (node:child_process, or the lab helpers that wrap it). */
const STARTS_PROCESS = /\b(?:spawn|spawnSync|fork|execFile|execFileSync|spawnNode|spawnLocalNode|spawnServer|spawnClient)\s*\(/;
/** A string literal naming a .ts file: its base name is group 1. */
const TS_LITERAL = /['"`](?:[^'"`\s$]*\/)?([A-Za-z0-9_][A-Za-z0-9_.-]*\.ts)['"`]/g;
/**
 * .ts files a process-starting file may name that are not child entries: a CLI a
 * user runs (main.ts), a module imported (index.ts; a lesson's experiment.ts, which
 * pcap's runCaptured imports inside its own -child.ts), tests run by vitest, types.
 */
const NOT_CHILD_ENTRY = /^(?:main|index|experiment)\.ts$|\.test\.ts$|\.d\.ts$/;

/** .ts files named by a file that starts processes whose names do not end in -child.ts. */
export function childEntryProblems(tree: SourceTree): string[] {
  const problems: string[] = [];
  for (const [path, text] of Object.entries(tree).sort(([a], [b]) => a.localeCompare(b))) {
    if (!STARTS_PROCESS.test(text)) continue;
    for (const m of text.matchAll(TS_LITERAL)) {
      const name = m[1]!;
      if (name.endsWith('-child.ts') || NOT_CHILD_ENTRY.test(name)) continue;
      const line = text.slice(0, m.index).split('\n').length;
      problems.push(`${path}:${line}: ${name} is started as a child process: name it ${name.replace(/\.ts$/, '-child.ts')}`);
    }
  }
  return problems;
}

/** `new Promise((r) => setTimeout(r, ms))`: a wait written inline. */
const INLINE_WAIT = /new Promise(?:<void>)?\(\s*\(?(\w+)\)?\s*=>\s*setTimeout\(\s*\1\s*,/g;

/**
 * Inline timer waits anywhere in the workspace (apps, packages, tools, scripts), which wait with
 * @connlab/lab's `sleep` (and poll with `until`). This rule's own test data is the one exception.
 */
export function inlineWaitProblems(tree: SourceTree): string[] {
  const problems: string[] = [];
  for (const [path, text] of Object.entries(tree).sort(([a], [b]) => a.localeCompare(b))) {
    if (path.startsWith('tools/layering/')) continue;
    for (const m of text.matchAll(INLINE_WAIT)) {
      const line = text.slice(0, m.index).split('\n').length;
      problems.push(`${path}:${line}: an inline setTimeout wait: use sleep (or until) from @connlab/lab`);
    }
  }
  return problems;
}
