// One of the server processes that share a port with SO_REUSEPORT. argv[2]:
// its name; argv[3]: the port (0: let the kernel pick one for the first).
// Every connection gets the name back, so the client can count who took it.
import net from 'node:net';
import { sendToParent } from '@connlab/netns';
import { rawListen } from '@connlab/tcp-options';

const name = process.argv[2] ?? '?';
const listener = rawListen(Number(process.argv[3] ?? 0), { reusePort: true });
const server = net.createServer((socket) => {
  socket.on('error', () => undefined);
  socket.end(name);
});
// Node on 22.12+ could say listen({ port, reusePort: true }); the fd way works on every version.
server.listen({ fd: listener.fd }, () => sendToParent({ type: 'listening', port: listener.port, pid: process.pid }));
process.on('message', (m: { type?: string }) => {
  if (m.type === 'stop') server.close(() => sendToParent({ type: 'stopped' }));
});
process.on('disconnect', () => process.exit(0));
