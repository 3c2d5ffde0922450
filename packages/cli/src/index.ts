export { createProgram, describeFailure, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, runCli } from './program.js';
export { runCliProcess } from './process.js';
export type { CliIo } from './io.js';
export {
  parseByteCount,
  parseDuration,
  parseHeader,
  parseHostPort,
  parseHttpUrl,
  parseListenPort,
  parsePort,
  parseRate,
  wholeNumber,
  wholeSecondsMs,
} from './parsers.js';
export type { HostPort } from './parsers.js';
export { parseState } from './commands/sockets.js';
export { connect, ConnectError } from './commands/tcp-info.js';
export { CliError } from './errors.js';
