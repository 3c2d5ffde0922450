// The README's usage example, kept runnable: cd packages/echo && npx tsx example.ts
import { createEchoServer, echo, openEchoSession } from '@connlab/echo';

// A server that reads at most 16 bytes at a time and logs every piece.
const server = await createEchoServer({
  port: 0, // the kernel picks a free port
  readSize: 16,
  onChunk: (chunk, conn) => console.log(`#${conn.id} read ${JSON.stringify(chunk.toString())}`),
});

// sendall + "read until as many bytes came back as were sent", with a deadline.
const reply = await echo('This is a Message, to be sent for a test.', { ...server.address, timeoutMs: 2000 });
console.log(reply.data.toString(), reply.reads); // the message, and the sizes the client read it in

// A long-lived connection: send, read exactly n bytes, half-close, see the server's FIN.
const session = await openEchoSession({ ...server.address });
await session.send('hello');
console.log((await session.readExactly(5)).toString()); // 'hello'
await session.end(); // our FIN
console.log(await session.recv()); // null: the server's FIN
await session.close();

console.log(server.stats); // { connectionsOpen: 0, connectionsTotal: 2, bytesIn: 46, bytesOut: 46, ... }
await server.close({ graceMs: 1000 });
