// connlab echo serve | send: the notes' echo pair on @connlab/echo.
import type { Command } from 'commander';
import { Option } from 'commander';
import { createEchoServer, describeEndpoint, echo } from '@connlab/echo';
import { formatMs } from '@connlab/lab';
import { examples, requireSubcommand } from '../help.js';
import type { CliIo } from '../io.js';
import { plural, say } from '../io.js';
import { parseDuration, parseListenPort, parsePort, wholeNumber } from '../parsers.js';
import { SHUTDOWN_GRACE_MS, serveUntilStopped } from '../serve.js';

/** The notes' server binds ('localhost', 2048). */
export const ECHO_DEFAULT_PORT = 2048;

/** Bytes as the notes' Python printed them: printable ASCII as is, the rest as \xNN. */
export function quoteBytes(bytes: Uint8Array, max = 80): string {
  let text = '';
  for (const byte of bytes.subarray(0, max)) {
    text +=
      byte === 0x22 || byte === 0x5c
        ? `\\${String.fromCharCode(byte)}`
        : byte >= 0x20 && byte < 0x7f
          ? String.fromCharCode(byte)
          : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `"${text}"${bytes.length > max ? `…(+${bytes.length - max} bytes)` : ''}`;
}

interface ServeOptions {
  host: string;
  port: number;
  readSize?: number;
}
interface SendOptions {
  host: string;
  port: number;
  timeout: number;
}

async function serve(io: CliIo, options: ServeOptions): Promise<void> {
  const server = await createEchoServer({
    host: options.host,
    port: options.port,
    ...(options.readSize === undefined
      ? {}
      : {
          readSize: options.readSize,
          onChunk: (chunk: Buffer, conn: { id: number }) => say(io, `#${conn.id} read ${chunk.length} bytes ${quoteBytes(chunk)}, echoing`),
        }),
    onConnection: (conn) => say(io, `#${conn.id} connection from ${conn.remote}`),
    onPeerEnd: (conn) => say(io, `#${conn.id} empty read: ${conn.remote} sent FIN (it is done sending)`),
    onConnectionClose: (conn, s) => {
      const how = s.aborted ? `aborted (${s.aborted})` : `${s.closedFirstBy} closed first`;
      say(io, `#${conn.id} closed: ${s.bytesIn} bytes in, ${s.bytesOut} out, ${formatMs(s.durationMs)}, ${how}`);
    },
  });
  const where = 'path' in server.address ? server.address.path : describeEndpoint(server.address);
  await serveUntilStopped(io, `listening on ${where}`, async () => {
    const closed = await server.close({ graceMs: SHUTDOWN_GRACE_MS });
    const { connectionsTotal, bytesIn, bytesOut } = server.stats;
    const open =
      closed.open === 0
        ? 'none was open at the end'
        : `${closed.graceful} of the ${closed.open} open at the end finished, ${closed.destroyed} cut off`;
    return `stopped: ${plural(connectionsTotal, 'connection')}, ${bytesIn} bytes in, ${bytesOut} bytes out; ${open}`;
  });
}

async function send(io: CliIo, message: string, options: SendOptions): Promise<void> {
  const where = describeEndpoint({ host: options.host, port: options.port });
  const reply = await echo(message, { host: options.host, port: options.port, timeoutMs: options.timeout });
  const pieces = reply.reads.length === 1 ? '1 read' : `${reply.reads.length} reads (${reply.reads.join(' + ')})`;
  say(
    io,
    `sent ${reply.sent} bytes to ${where}`,
    `received ${reply.data.length} bytes in ${pieces} after ${formatMs(reply.elapsedMs)}`,
    reply.data.toString('utf8'),
  );
}

/** Add `connlab echo serve` and `connlab echo send`. */
export function registerEcho(program: Command, io: CliIo): void {
  const group = program.command('echo').description("a TCP echo server and client (RFC 862), like the notes' Python pair");
  requireSubcommand(group, 'connlab echo');
  examples(group, ['connlab echo serve --read-size 16', 'connlab echo send "This is a Message"']);

  const serveCmd = group
    .command('serve')
    .description('echo every byte back; print the bound address first, then one line per connection event')
    .option('--host <address>', 'address to listen on (::1 for IPv6)', '127.0.0.1')
    .addOption(
      new Option('--port <port>', 'port to listen on; 0 lets the kernel pick one').default(ECHO_DEFAULT_PORT).argParser(parseListenPort),
    )
    .addOption(
      new Option('--read-size <bytes>', 'read at most this many bytes at a time, like recv(16), and log each piece').argParser(
        wholeNumber(1),
      ),
    )
    .action((options: ServeOptions) => serve(io, options));
  examples(
    serveCmd,
    ['connlab echo serve', 'connlab echo serve --port 0 --read-size 16'],
    ['Ctrl-C stops accepting, lets open connections finish, then exits 0; a second Ctrl-C exits at once.'],
  );

  const sendCmd = group
    .command('send')
    .description('send MESSAGE, read until as many bytes came back, print them and how the reads split')
    .argument('<message>', 'text to send (UTF-8)')
    .option('--host <address>', 'server address', '127.0.0.1')
    .addOption(new Option('--port <port>', 'server port').default(ECHO_DEFAULT_PORT).argParser(parsePort))
    .addOption(new Option('--timeout <ms>', 'deadline for the whole exchange, 0 for none').default(5000).argParser(parseDuration))
    .action((message: string, options: SendOptions) => send(io, message, options));
  examples(sendCmd, ['connlab echo send "This is a Message"', 'connlab echo send hello --port 2048 --timeout 1000']);
}
