// The HTTP echo server as an app. It is `connlab http serve --echo`, the one
// echo server, with the same flags (--port, --host, --keep-alive-timeout <ms>,
// --max-requests): it prints its bound address on the first line, logs each
// connection, and serves until SIGINT/SIGTERM.
import { runCliProcess } from '@connlab/cli';

await runCliProcess(['http', 'serve', '--echo', ...process.argv.slice(2)]);
