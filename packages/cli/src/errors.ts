// The base of the errors the connlab command raises itself; bad command lines
// are @connlab/lab's UsageError (exit code 2).

/** Base class: every @connlab/cli error has a stable `code`, so runCli prints its message alone. */
export abstract class CliError extends Error {
  abstract readonly code: string;
}
