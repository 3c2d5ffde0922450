// Errors with stable codes: callers branch on `code`, people read `message`.

/** Base class: every @connlab/netns error has a stable `code`. */
export abstract class NetnsError extends Error {
  abstract readonly code: string;
}

/** This process cannot create network namespaces (not root, not Linux, or no `ip`). */
export class NetnsUnavailableError extends NetnsError {
  readonly code = 'NETNS_UNAVAILABLE';
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'NetnsUnavailableError';
  }
}

/** A command (`ip`, `sysctl`, or one run inside a namespace) exited non-zero. */
export class NetnsCommandError extends NetnsError {
  readonly code = 'NETNS_COMMAND_FAILED';
  constructor(
    readonly command: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    const firstLine = stderr.trim().split('\n')[0] ?? '';
    super(`\`${command.join(' ')}\` failed (exit ${exitCode ?? 'signal'})${firstLine ? `: ${firstLine}` : ''}`);
    this.name = 'NetnsCommandError';
  }
}

/** A child process did not send the expected message in time. */
export class NetnsTimeoutError extends NetnsError {
  readonly code = 'NETNS_CHILD_TIMEOUT';
  constructor(
    readonly namespace: string,
    readonly waitedMs: number,
    readonly stderr: string,
  ) {
    super(`no message from the child in namespace ${namespace} after ${waitedMs} ms${stderr ? `; its stderr ends: ${tail(stderr)}` : ''}`);
    this.name = 'NetnsTimeoutError';
  }
}

/** A child process exited while the parent still waited for a message from it. */
export class NetnsChildExitError extends NetnsError {
  readonly code = 'NETNS_CHILD_EXITED';
  constructor(
    readonly namespace: string,
    readonly exitCode: number | null,
    readonly signal: string | null,
    readonly stderr: string,
  ) {
    super(
      `the child in namespace ${namespace} exited (${signal ?? `code ${exitCode ?? '?'}`}) before sending the expected message${stderr ? `; its stderr ends: ${tail(stderr)}` : ''}`,
    );
    this.name = 'NetnsChildExitError';
  }
}

/** The spec passed to withNamespaces is inconsistent (unknown name, bad address). */
export class NetnsSpecError extends NetnsError {
  readonly code = 'NETNS_BAD_SPEC';
  constructor(message: string) {
    super(message);
    this.name = 'NetnsSpecError';
  }
}

function tail(text: string, max = 300): string {
  const t = text.trim();
  return t.length > max ? `…${t.slice(-max)}` : t;
}
