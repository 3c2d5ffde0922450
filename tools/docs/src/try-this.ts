// The "Try this" and "Predict, then measure" sections of the lesson pages.
//
// Static (in npm test): every Try-this item is a command, never a code
// snippet to paste into a file; each lesson command runs that lesson's app
// with flags its schema (Lesson.flags) or runLessonMain knows; each page ends
// with two or three exercises whose answers sit in <details>.
// Running (its own script, `npm run try-this -w @connlab/docs-tools`): every
// lesson command with --quick, which must end with a verdict (exit 0, or 1
// when a check failed, as some exercises predict), never a crash or exit 2.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lessonEntries, loadLesson } from '@connlab/tour/registry';
import type { LessonEntry } from '@connlab/tour/registry';
import { splitMarkdown } from './check.js';

/** The flags every lesson app takes (runLessonMain adds them). */
export const commonFlags: readonly string[] = ['quick', 'json', 'capture', 'help'];

/** One `npx tsx apps/NN-slug/src/main.ts …` command shown on a page. */
export interface LessonCommand {
  file: string;
  line: number;
  /** The app directory, e.g. 05-nagle. */
  app: string;
  /** The arguments after main.ts. */
  args: string[];
  text: string;
}

const lessonCommand = /^npx tsx apps\/(\d{2}-[a-z0-9-]+)\/src\/main\.ts((?:\s+\S+)*)\s*$/;

/** Lines of the section whose heading matches, heading excluded, with 1-based numbers. */
export function sectionLines(source: string, heading: RegExp): { line: number; text: string }[] {
  const lines = source.split('\n');
  const start = lines.findIndex(
    (l) =>
      /^##\s/.test(l) &&
      heading.test(
        l
          .replace(/^##\s*/, '')
          .trim()
          .toLowerCase(),
      ),
  );
  if (start === -1) return [];
  const end = lines.findIndex((l, i) => i > start && /^##\s/.test(l));
  return lines.slice(start + 1, end === -1 ? undefined : end).map((text, i) => ({ line: start + 2 + i, text }));
}

/** Split a command line into words; quotes group words ("a b" → a b). */
export function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** The lesson commands in a page's Try-this and Predict sections. */
export function lessonCommands(file: string, source: string): LessonCommand[] {
  const section = [...sectionLines(source, /^try\b/), ...sectionLines(source, /^predict\b/)];
  const lines = new Set(section.map((l) => l.line));
  return splitMarkdown(source)
    .code.filter((c) => lines.has(c.line))
    .flatMap((c) => {
      const m = lessonCommand.exec(c.text.trim());
      return m ? [{ file, line: c.line, app: m[1]!, args: words(m[2] ?? ''), text: c.text.trim() }] : [];
    });
}

/** Top-level list items of a section, joined across their continuation lines. */
function items(section: { line: number; text: string }[]): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  for (const l of section) {
    if (/^[*-]\s/.test(l.text)) out.push({ line: l.line, text: l.text });
    else if (out.length && /^\s+\S/.test(l.text)) out[out.length - 1]!.text += ` ${l.text.trim()}`;
  }
  return out;
}

/** Code that is meant to be pasted into a program, not typed at a shell. */
const snippet = /^(?:await\s+)?[\w.]+\(|=>|^(?:const|let|import)\s/;

/**
 * Static problems with a lesson page's Try this and Predict sections.
 * `flagsOf(app)` gives the flags a lesson's main accepts (kebab-case), or undefined for an unknown app.
 */
export function checkTryThisPage(file: string, source: string, flagsOf: (app: string) => readonly string[] | undefined): string[] {
  const problems: string[] = [];
  const tryItems = items(sectionLines(source, /^try\b/));
  for (const item of tryItems) {
    const spans = [...item.text.matchAll(/(`+)(.+?)\1/g)].map((m) => m[2]!.trim());
    if (!spans.some((s) => lessonCommand.test(s) || /^(?:npx|npm|ss|ip|tcpdump|curl|nc|printf|sysctl|sudo|su|cat|watch)\s/.test(s))) {
      problems.push(`${file}:${item.line}: a "Try this" item with no command to run`);
    }
    for (const s of spans.filter((x) => snippet.test(x)))
      problems.push(`${file}:${item.line}: "Try this" shows code to paste, not a command: \`${s}\``);
  }
  const commands = lessonCommands(file, source);
  if (tryItems.length && !commands.some((c) => sectionLines(source, /^try\b/).some((l) => l.line === c.line))) {
    problems.push(`${file}: "Try this" runs no lesson app (npx tsx apps/NN-slug/src/main.ts --flag …)`);
  }
  for (const c of commands) {
    const known = flagsOf(c.app);
    if (!known) {
      problems.push(`${file}:${c.line}: \`${c.text}\`: no lesson app ${c.app}`);
      continue;
    }
    for (const arg of c.args.filter((a) => a.startsWith('--'))) {
      const name = arg.slice(2).split('=')[0]!;
      if (!known.includes(name))
        problems.push(
          `${file}:${c.line}: \`${c.text}\`: ${c.app} has no flag --${name} (it takes ${known.map((k) => `--${k}`).join(', ')})`,
        );
    }
  }
  const predict = sectionLines(source, /^predict\b/);
  const answers = predict.filter((l) => /<details>/.test(l.text)).length;
  if (predict.length === 0) problems.push(`${file}: no "Predict, then measure" section`);
  else if (answers < 2 || answers > 3)
    problems.push(`${file}: "Predict, then measure" has ${answers} answers in <details>; it should have 2 or 3`);
  return problems;
}

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The flags each lesson's main accepts, by app directory, read from the lessons themselves. */
export async function lessonFlags(entries: readonly LessonEntry[] = lessonEntries()): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const e of entries) {
    const lesson = await loadLesson(e);
    out.set(e.dir, [...commonFlags, ...Object.keys(lesson.flags ?? {}).map(kebab), ...ownMainFlags(e)]);
  }
  return out;
}

/** Flags a lesson's main.ts passes to runLessonMain itself (`flags: { name: … }`), read from its source. */
function ownMainFlags(e: LessonEntry): string[] {
  let source: string;
  try {
    source = readFileSync(join(e.path, 'src', 'main.ts'), 'utf8');
  } catch {
    return [];
  }
  const block = /flags:\s*\{([\s\S]*?)\n\s*\},/.exec(source)?.[1] ?? '';
  return [...block.matchAll(/^\s*'?([a-zA-Z][\w-]*)'?:\s*\{/gm)].map((m) => kebab(m[1]!));
}

/** Every lesson page's Try-this and Predict problems. */
export async function checkTryThis(root: string): Promise<string[]> {
  const entries = lessonEntries(join(root, 'apps'));
  const flags = await lessonFlags(entries);
  return entries.flatMap((e) => {
    const file = `docs/${e.dir}.md`;
    let source: string;
    try {
      source = readFileSync(join(root, file), 'utf8');
    } catch {
      return []; // a missing page is the lesson-docs check's to report
    }
    return checkTryThisPage(file, source, (app) => flags.get(app));
  });
}

export interface TryRun {
  command: LessonCommand;
  exitCode: number | null;
  ms: number;
  /** The verdict line the app printed last, if any. */
  verdict: string | undefined;
  /** One line: why it did not run (empty when it ran). */
  problem: string;
}

/** Run one lesson command with --quick; it ran when it printed a verdict and exited 0 or 1. */
export function runLessonCommand(root: string, command: LessonCommand, timeoutMs: number): Promise<TryRun> {
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  const args = command.args.includes('--quick') ? command.args : [...command.args, '--quick'];
  const t0 = performance.now();
  // In a scratch directory: a command's relative paths (--capture captures) must not land in the repository.
  const cwd = mkdtempSync(join(tmpdir(), 'connlab-try-'));
  return new Promise((resolve) => {
    execFile(
      tsx,
      [join(root, 'apps', command.app, 'src', 'main.ts'), ...args],
      { cwd, timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        // `--help` prints the usage instead of a verdict.
        const verdict = command.args.includes('--help') ? stdout.split('\n')[0] : stdout.trimEnd().split('\n').at(-1);
        const printed = verdict !== undefined && (command.args.includes('--help') ? /^usage: /.test(verdict) : /^effect /.test(verdict));
        let problem = '';
        if (exitCode === null) problem = `did not finish in ${Math.round(timeoutMs / 1000)} s${error?.signal ? ` (${error.signal})` : ''}`;
        else if (exitCode > 1) problem = `exited ${exitCode}: ${stderr.trim().split('\n').at(-1) ?? ''}`;
        else if (!printed) problem = `printed no verdict (last line: ${verdict ?? ''})`;
        rmSync(cwd, { recursive: true, force: true });
        resolve({ command, exitCode, ms: performance.now() - t0, verdict: printed ? verdict : undefined, problem });
      },
    );
  });
}

/** Every lesson command on every lesson page (optionally only some apps). */
export function allLessonCommands(root: string, only?: (app: string) => boolean): LessonCommand[] {
  return lessonEntries(join(root, 'apps')).flatMap((e) => {
    let source: string;
    try {
      source = readFileSync(join(root, 'docs', `${e.dir}.md`), 'utf8');
    } catch {
      return [];
    }
    return lessonCommands(`docs/${e.dir}.md`, source).filter((c) => !only || only(c.app));
  });
}
