// The notes' echo server in TypeScript: read 16 bytes at a time, log each
// piece, send it back; log the empty read when the client is done.
//   npx tsx apps/01-echo/src/server.ts [--port 2048] [--host 127.0.0.1] [--read-size 16]
import { createEchoServer } from '@connlab/echo';
import { parseFlags, runMain } from '@connlab/lab';
import { notesPort, notesReadSize, quote } from './notes.js';

runMain('01-echo server', async () => {
  const flags = parseFlags(
    process.argv.slice(2),
    {
      host: { type: 'string', default: '127.0.0.1', help: 'address to listen on (::1 for IPv6, 0.0.0.0 for all)' },
      port: { type: 'port', default: notesPort, help: 'port to listen on; 0 lets the kernel pick a free one' },
      path: { type: 'string', help: 'listen on a Unix domain socket at this path instead of TCP' },
      readSize: { type: 'int', min: 1, default: notesReadSize, help: 'at most this many bytes per read, like recv(16)' },
    },
    {
      usage: 'npx tsx apps/01-echo/src/server.ts',
      summary: "A TCP echo server that reads 16 bytes at a time and logs every piece (the notes' Python server). Ctrl-C stops it.",
      examples: ['npx tsx apps/01-echo/src/server.ts --port 2048', 'npx tsx apps/01-echo/src/server.ts --port 0 --read-size 4'],
    },
  );

  const server = await createEchoServer({
    host: flags.host,
    port: flags.port,
    readSize: flags.readSize,
    ...(flags.path === undefined ? {} : { path: flags.path }),
    onConnection: (conn) => console.log(`connection from ${conn.remote}`),
    onChunk: (chunk) => {
      console.log(`received ${quote(chunk)} (${chunk.length} bytes)`);
      console.log('sending back data to the client');
    },
    onPeerEnd: (conn) => console.log(`no data from ${conn.remote} (it closed its side)`),
    onConnectionClose: (conn, summary) => {
      const how = summary.aborted ? `, aborted: ${summary.aborted}` : '';
      console.log(`closed ${conn.remote}: ${summary.bytesIn} bytes in, ${summary.bytesOut} bytes out${how}`);
      console.log('waiting for a connection');
    },
  });

  const where = 'path' in server.address ? server.address.path : `${server.address.host} port ${server.address.port}`;
  console.log(`starting up on ${where}`);
  console.log('waiting for a connection');

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.log('shutting down: no new connections, finishing the open ones');
      void server.close({ graceMs: 2000 }).then((result) => {
        const { connectionsTotal, bytesIn, bytesOut } = server.stats;
        console.log(
          `served ${connectionsTotal} connections, ${bytesIn} bytes in, ${bytesOut} bytes out; ${result.destroyed} cut off after the grace period`,
        );
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
});
