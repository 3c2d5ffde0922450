// The CLI as a whole process: what the `connlab` bin (and an app that is one
// of its commands, like apps/http-echo) runs. The first Ctrl-C or SIGTERM asks
// servers to shut down gracefully (exit 0); a second Ctrl-C exits at once with 130.
import { runCli } from './program.js';

/**
 * Run `argv` as the connlab command line with this process's streams and
 * signals, then exit with its code.
 *
 * @example
 * ```ts
 * await runCliProcess(['http', 'serve', '--echo', ...process.argv.slice(2)]);
 * ```
 */
export async function runCliProcess(argv: readonly string[]): Promise<never> {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!stop.signal.aborted) {
      stop.abort(signal);
      return;
    }
    process.stderr.write('connlab: stopped without waiting for open connections\n');
    // 128 + SIGINT (2), as shells report a process ended by Ctrl-C.
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await runCli(argv, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    signal: stop.signal,
  });
  // A pipe whose reader is slower than us (`connlab trace big.pcap --json | wc -c`)
  // still holds queued output: exiting at once cut it at 64 KiB. Wait until both
  // streams have flushed; exiting then also ends any timer a library left.
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
  process.exit(code);
}
