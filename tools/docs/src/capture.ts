// Keeps the output shown in the docs true: runs what a page's captured block
// names (markers.ts has the syntax) and puts the real output, ANSI stripped,
// between its markers. capture.ts at the workspace root is the command-line
// front end.
import { spawn } from 'node:child_process';
import { release } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { isRoot } from '@connlab/lab';
import { lessonSections } from './check.js';
import { allowedCommand, capturedBegin, capturedEnd, CaptureError } from './markers.js';
import type { CaptureBlock } from './markers.js';

/** The command a lesson's output is captured from when the marker names none. */
export function defaultCommand(dir: string): string {
  return `npx tsx apps/${dir}/src/main.ts --quick`;
}

/**
 * Wrap the first code block under "What you will see" in markers, for a doc
 * written before it had any. Throws when there is no such block.
 */
export function insertMarkers(source: string, file: string): string {
  const lines = source.split('\n');
  const see = lessonSections.find((s) => s.name === 'What you will see')!.heading;
  const heading = lines.findIndex((l) => /^#{1,6}\s/.test(l) && see.test(l.replace(/^#+\s*/, '').toLowerCase()));
  if (heading === -1) throw new CaptureError(`${file}: no "What you will see" heading to put the captured output under`);
  const nextHeading = lines.findIndex((l, i) => i > heading && /^#{1,2}\s/.test(l));
  const stop = nextHeading === -1 ? lines.length : nextHeading;
  const open = lines.findIndex((l, i) => i > heading && i < stop && /^\s*(`{3,}|~{3,})/.test(l));
  if (open === -1) throw new CaptureError(`${file}: no code block under "What you will see" to wrap in markers`);
  const fence = /^\s*(`{3,}|~{3,})/.exec(lines[open]!)![1]!;
  const close = lines.findIndex((l, i) => i > open && l.trim().startsWith(fence) && l.trim().replace(/[`~]/g, '') === '');
  if (close === -1) throw new CaptureError(`${file}:${open + 1}: the code block is never closed`);
  return [...lines.slice(0, open), `${capturedBegin} -->`, ...lines.slice(open, close + 1), capturedEnd, ...lines.slice(close + 1)].join(
    '\n',
  );
}

/** What a run printed, how it ended, and where. */
export interface CaptureRun {
  command: string;
  /** stdout and stderr in the order they arrived, ANSI stripped, trailing blanks trimmed. */
  output: string;
  /** A session's terminals, each shown as its own block (then `output` is unused). */
  terminals?: readonly string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Run an allowed command from the repository root with colours off, and
 * collect its output. tsx is run from node_modules/.bin, not through npx.
 */
export function runCommand(root: string, command: string, timeoutMs = 10 * 60_000): Promise<CaptureRun> {
  if (!allowedCommand.test(command)) return Promise.reject(new CaptureError(`refusing to run "${command}"`));
  const [, , file, ...args] = command.split(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [file!, ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      const output = stripVTControlCharacters(Buffer.concat(chunks).toString('utf8'))
        .split('\n')
        .map((l) => l.trimEnd())
        .join('\n')
        .trim();
      resolve({ command, output, exitCode, signal });
    });
  });
}

/** The line under a captured block saying how and where it was made. */
export function provenance(id: string, date = new Date()): string {
  const where = `${process.platform === 'linux' ? 'Linux' : process.platform} ${release()}, Node ${process.version}, ${isRoot() ? 'as root' : 'not as root'}`;
  return `<sub>Captured ${date.toISOString().slice(0, 10)} by \`npx tsx tools/docs/capture.ts --lesson ${id}\` (${where}).</sub>`;
}

/**
 * Put each run's output into its block, as a fenced block that starts with the
 * command, followed by the provenance line (when there is one); a session's
 * terminals each get a plain fenced block. Blocks and runs pair up in order.
 */
export function fillBlocks(source: string, blocks: readonly CaptureBlock[], runs: readonly CaptureRun[], note: string): string {
  const lines = source.split('\n');
  // Replace from the last block back so earlier line numbers stay valid.
  for (let i = blocks.length - 1; i >= 0; i--) {
    const block = blocks[i]!;
    const run = runs[i]!;
    const fenced = (text: string, info = '') => {
      const fence = text.includes('```') ? '~~~~' : '```';
      return [`${fence}${info}`, text, fence];
    };
    const body = run.terminals
      ? run.terminals.flatMap((t, j) => [...(j ? [''] : []), ...fenced(t.trimEnd())])
      : fenced(`$ ${run.command}\n${run.output}`, 'text');
    lines.splice(block.begin + 1, block.end - block.begin - 1, ...body, ...(note ? [note] : []));
  }
  return lines.join('\n');
}
