// The notes' echo client in TypeScript: sendall the test message, then keep
// calling recv(16) and counting until as many bytes came back as were sent.
//   npx tsx apps/01-echo/src/client.ts [--port 2048] [--host 127.0.0.1] [--message "..."]
import { EchoClosedError, openEchoSession } from '@connlab/echo';
import { UsageError, parseFlags, runMain } from '@connlab/lab';
import { notesMessage, notesPort, notesReadSize, quote } from './notes.js';

runMain('01-echo client', async () => {
  const flags = parseFlags(
    process.argv.slice(2),
    {
      host: { type: 'string', default: '127.0.0.1', help: 'server address' },
      port: { type: 'port', default: notesPort, help: 'server port' },
      path: { type: 'string', help: 'connect to a Unix domain socket at this path instead' },
      message: { type: 'string', default: notesMessage, help: "what to send (default: the notes' test message)" },
      readSize: { type: 'int', min: 1, default: notesReadSize, help: 'at most this many bytes per read, like recv(16)' },
      timeoutMs: { type: 'int', min: 1, default: 5000, help: 'give up after this long without the whole echo' },
      readOnce: { type: 'boolean', help: 'the classic bug: read once (up to 64 KiB) and stop, instead of looping' },
    },
    {
      usage: 'npx tsx apps/01-echo/src/client.ts',
      summary: "Send a message to an echo server and count the bytes until all of it came back (the notes' Python client).",
      examples: ['npx tsx apps/01-echo/src/client.ts --port 2048', 'npx tsx apps/01-echo/src/client.ts --port 2048 --message "hello"'],
    },
  );
  if (flags.path === undefined && flags.port === 0)
    throw new UsageError('--port 0 only makes sense for a server; give the port the server printed');

  const endpoint = flags.path === undefined ? { host: flags.host, port: flags.port } : { path: flags.path };
  console.log(`connecting to ${flags.path ?? `${flags.host} port ${flags.port}`}`);
  const session = await openEchoSession({ ...endpoint, timeoutMs: flags.timeoutMs });
  try {
    const message = Buffer.from(flags.message);
    console.log(`sending ${quote(message)} (${message.length} bytes)`);
    await session.send(message); // sendall: every byte handed over, waiting for 'drain' if needed

    let received = 0;
    const expected = message.length;
    if (flags.readOnce) {
      const data = await session.recv(64 * 1024);
      received = data?.length ?? 0;
      console.log(`received ${quote(data ?? Buffer.alloc(0))} (${received} of ${expected} bytes in one read)`);
      if (received < expected)
        console.log(`stopping after one read: ${expected - received} bytes never read (a stream has no message boundaries)`);
    }
    while (!flags.readOnce && received < expected) {
      const data = await session.recv(flags.readSize);
      if (data === null) throw new EchoClosedError(endpoint, received, expected);
      received += data.length;
      console.log(`received ${quote(data)} (${received} of ${expected} bytes)`);
    }
    console.log('closing socket (our FIN)');
    await session.end();
    if ((await session.recv()) === null) console.log('the server closed its side too (its FIN)');
  } finally {
    await session.close();
  }
});
