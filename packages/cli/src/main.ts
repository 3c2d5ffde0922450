#!/usr/bin/env -S node --import tsx
// The `connlab` bin. In the workspace it runs from TypeScript under tsx
// (npx puts node_modules/.bin on PATH); `npm pack` builds dist/main.js with a
// plain-node shebang. Signals: the first Ctrl-C or SIGTERM asks servers to
// shut down gracefully (exit 0); a second Ctrl-C exits at once with 130.
import { runCli } from './program.js';

const stop = new AbortController();

function onSignal(signal: NodeJS.Signals): void {
  if (!stop.signal.aborted) {
    stop.abort(signal);
    return;
  }
  process.stderr.write('connlab: stopped without waiting for open connections\n');
  // 128 + SIGINT (2), as shells report a process ended by Ctrl-C.
  process.exit(130);
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  signal: stop.signal,
});
// Stdout and stderr are synchronous for files, pipes and terminals on Linux,
// so nothing written is lost; exiting here also ends any timer a library left.
process.exit(code);
