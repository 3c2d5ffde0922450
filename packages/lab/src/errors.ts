// The base of every @connlab/lab error (UsageError, WireError, ListenError).

/** Base class: every @connlab/lab error has a stable `code` to branch on. */
export abstract class LabError extends Error {
  abstract readonly code: string;
}
