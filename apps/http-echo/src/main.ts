// HTTP echo server: prints its bound address on the first line, then serves until SIGINT/SIGTERM.
import { createServer, echoHandler } from '@connlab/http';
import { parseFlags, runMain } from '@connlab/lab';

runMain('http-echo', async () => {
  const flags = parseFlags(process.argv.slice(2), {
    port: { type: 'port', default: 8080, help: 'TCP port to listen on (0 picks a free one)' },
    host: { type: 'string', default: '127.0.0.1', help: 'address to bind' },
    keepAliveTimeout: { type: 'int', default: 5000, min: 1, help: 'idle keep-alive timeout in ms' },
    maxRequests: { type: 'int', default: 1000, min: 0, help: 'responses per connection (0 = no limit)' },
  }, {
    usage: 'npx tsx apps/http-echo/src/main.ts',
    summary: 'Answer every HTTP/1.1 request with 200 and a JSON echo of its method, target, version, headers, trailers and body.',
    examples: ['npx tsx apps/http-echo/src/main.ts --port 0', 'curl -s http://127.0.0.1:8080/hello -d data'],
  });
  const server = createServer(echoHandler, { keepAliveTimeoutMs: flags.keepAliveTimeout, maxRequestsPerConnection: flags.maxRequests });
  await server.listen(flags.port, flags.host);
  console.log(`listening on ${server.url}`);
  const stop = (): void => {
    void server.close({ graceMs: 2000 }).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
});
