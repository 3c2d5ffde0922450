// The `connlab` program: commander wiring, one-line usage errors with exit
// code 2, one-line runtime errors with exit code 1. The bin (main.ts) and the
// tests both go through runCli().
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { UsageError } from '@connlab/lab';
import { registerEcho } from './commands/echo.js';
import { registerHttp } from './commands/http.js';
import { registerRelay } from './commands/relay.js';
import { registerSockets } from './commands/sockets.js';
import { registerTcpInfo } from './commands/tcp-info.js';
import { registerTrace } from './commands/trace.js';
import { requireSubcommand, subcommandTerm } from './help.js';
import type { CliIo } from './io.js';

/** Exit statuses: 2 for a bad command line, as bash builtins and GNU tools use it. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

// package.json sits one level up from both src/program.ts and dist/program.js.
function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** One line: commander's "error: " prefix dropped, its "(Did you mean …?)" line joined on. */
function oneLine(message: string): string {
  return message
    .replace(/^error:\s*/, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}

/**
 * Build the `connlab` command tree. Commander is told never to exit the
 * process itself, so tests can drive it; use {@link runCli} to get an exit code.
 *
 * @example
 * ```ts
 * const program = createProgram(io);
 * await program.parseAsync(['sockets', '--state', 'listen'], { from: 'user' });
 * ```
 */
export function createProgram(io: CliIo): Command {
  const program = new Command('connlab')
    .description('Measure TCP and HTTP connection management on this machine: echo, HTTP, a fault relay, sockets, TCP_INFO, packet traces.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) => write(`connlab: ${oneLine(text)} (see --help)\n`),
    })
    .showSuggestionAfterError(true)
    .configureHelp({ subcommandTerm });
  // Subcommands made with .command() inherit exitOverride and configureOutput.
  requireSubcommand(program, 'connlab');
  registerEcho(program, io);
  registerHttp(program, io);
  registerRelay(program, io);
  registerSockets(program, io);
  registerTcpInfo(program, io);
  registerTrace(program, io);
  program.addHelpText(
    'after',
    `
Every command has its own --help with examples, e.g. connlab http get --help.
Servers print their address on the first line and stop cleanly on Ctrl-C.

Examples:
  $ connlab echo serve --port 2048 --read-size 16
  $ connlab http get http://127.0.0.1:8080/ --timing --repeat 3
  $ connlab relay --to 127.0.0.1:8080 --listen 9090 --latency 50
  $ connlab sockets --state time-wait
  $ connlab trace capture/05-nagle.pcap`,
  );
  return program;
}

/**
 * Run the CLI with `argv` (without node and the script) and return the exit
 * code: 0 success, 1 a runtime failure (one line naming host:port), 2 a bad
 * command line (one line).
 *
 * @example
 * ```ts
 * const code = await runCli(['echo', 'send', 'hi', '--port', '2048'], io);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; commander has already printed any error line.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      const message = oneLine(error.message);
      io.stderr(`${message.startsWith('connlab') ? message : `connlab: ${message}`} (see --help)\n`);
      return EXIT_USAGE;
    }
    io.stderr(`connlab: ${describeFailure(error)}\n`);
    return EXIT_FAILURE;
  }
}

/**
 * One line for a runtime failure. Errors with a stable `code` (Connlab's own
 * and Node's errno errors) are expected: their message alone. Anything else
 * is a bug, so its stack is shown when CONNLAB_DEBUG is set.
 */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const message = oneLine(error.message);
  if (typeof code === 'string') return message;
  if (process.env.CONNLAB_DEBUG) return error.stack ?? message;
  return `${message} (unexpected ${error.name}; set CONNLAB_DEBUG=1 for the stack)`;
}
