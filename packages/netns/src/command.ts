// Run a command and collect its output; the one place that calls execFile.
import { execFile, execFileSync } from 'node:child_process';
import { NetnsCommandError } from './errors.js';

export interface CommandOutput {
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  /** Kill the command after this long (default 10 s). */
  timeoutMs?: number;
}

/** Run `file args…`; resolve with its output or reject with NetnsCommandError. */
export function runCommand(file: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: options.timeoutMs ?? 10_000, encoding: 'utf8', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) {
        const code = typeof error.code === 'number' ? error.code : null;
        reject(new NetnsCommandError([file, ...args], code, stderr || error.message));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

/** Synchronous variant for exit and signal handlers, where nothing async runs any more. Never throws. */
export function runCommandSync(file: string, args: readonly string[]): boolean {
  try {
    execFileSync(file, args, { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}
