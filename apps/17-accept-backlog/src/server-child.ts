// The server of the lesson, in its own process: it listens with the backlog it
// is given, and on request stops running JavaScript, as a server stuck in
// synchronous work would, until a file appears (the parent's signal: no
// message can reach a blocked event loop). While it is stuck it cannot call
// accept(), but the kernel keeps completing handshakes into the accept queue.
//
// argv[2]: JSON ServerSpec. Messages in: block, report. Messages out:
// listening, blocking, report. Exits when the parent goes away.
import { existsSync } from 'node:fs';
import net from 'node:net';
import { sendToParent } from '@connlab/netns';
import { setDeferAccept } from '@connlab/tcp-options';
import type { ServerMessage, ServerSpec } from './messages.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec;
const accepted: ServerMessage & { type: 'report' } = { type: 'report', acceptedAt: [], bytes: 0 };
const sockets = new Set<net.Socket>();

const server = net.createServer((socket) => {
  accepted.acceptedAt.push(Date.now());
  sockets.add(socket);
  socket.on('data', (chunk) => {
    accepted.bytes += chunk.length;
  });
  socket.on('error', () => undefined); // clients reset on purpose at the end
  socket.on('close', () => sockets.delete(socket));
});

server.listen({ port: 0, host: '127.0.0.1', backlog: spec.backlog }, () => {
  if (spec.deferAcceptS !== undefined) setDeferAccept(server, spec.deferAcceptS);
  const port = (server.address() as net.AddressInfo).port;
  sendToParent({ type: 'listening', port } satisfies ServerMessage);
});

/** The longest the server stays stuck if the parent never says resume. */
const MAX_BLOCK_MS = 60_000;

function blockUntil(file: string): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + MAX_BLOCK_MS;
  while (!existsSync(file) && Date.now() < deadline) Atomics.wait(cell, 0, 0, 5);
}

process.on('message', (message: { type?: string; file?: string }) => {
  if (message.type === 'block' && message.file) {
    const file = message.file;
    // Tell the parent first, and block only once the message has left.
    process.send?.({ type: 'blocking', at: Date.now() } satisfies ServerMessage, () => blockUntil(file));
  } else if (message.type === 'report') {
    sendToParent(accepted);
  }
});
process.on('disconnect', () => {
  for (const socket of sockets) socket.destroy();
  server.close();
  process.exit(0);
});
