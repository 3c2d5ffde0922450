// The server's own JavaScript per request, without sockets: a Connection fed
// from memory, writing into a sink that only counts bytes. What is left after
// this is node's stream and syscall cost, the same for every server.
import { Connection } from '../src/server/connection.js';
import { HttpServer } from '../src/server/server.js';
import type { SocketIo } from '../src/server/socket-io.js';

// CPU time of this process (user + system), in ns: steadier than wall time on a shared machine.
const cpuNs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

/** A socket that only counts what is written to it. */
class CountingIo implements SocketIo {
  readonly kind = 'handle';
  readonly sharedReadBuffer = true;
  readonly needDrain = false;
  readonly inputEnded = false;
  bytes = 0;
  writes = 0;
  start(): void {
    /* no events */
  }
  write(text: string): void {
    this.bytes += text.length;
    this.writes++;
  }
  writeSoon(text: string): void {
    this.write(text);
  }
  writev(parts: readonly (string | Buffer)[]): void {
    for (const p of parts) this.bytes += p.length;
    this.writes++;
  }
  flushHeld(): void {
    /* nothing held */
  }
  pause(): void {
    /* always reading */
  }
  resume(): void {
    /* always reading */
  }
  awaitDrain(): void {
    /* never full */
  }
  end(): void {
    /* never closes */
  }
  destroySoon(): void {
    /* never closes */
  }
  destroy(): void {
    /* never closes */
  }
  remote(): { address: string; port: number } {
    return { address: '127.0.0.1', port: 1 };
  }
}

/** ns of server JavaScript per request, `perRead` requests per simulated read. */
export function hotPath(perRead: number, total = 300_000): { nsPerRequest: number; writesPerRead: number } {
  const server = new HttpServer(
    (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('Hello, World!');
    },
    { maxRequestsPerConnection: 0 },
  );
  const socket = new CountingIo();
  const conn = new Connection(server, 1, socket);
  const chunk = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n'.repeat(perRead), 'latin1');
  const reads = Math.ceil(total / perRead);
  for (let i = 0; i < reads / 10; i++) conn.onData(chunk); // warm up
  socket.writes = 0;
  const t0 = cpuNs();
  for (let i = 0; i < reads; i++) conn.onData(chunk);
  const ns = cpuNs() - t0;
  const writesPerRead = socket.writes / reads;
  server.idleList.clear();
  server.headerList.clear();
  return { nsPerRequest: ns / (reads * perRead), writesPerRead };
}

if (process.argv[1]?.endsWith('hot-path.ts')) {
  for (let k = 0; k < 3; k++) {
    const one = hotPath(1);
    const ten = hotPath(10);
    console.log(
      `one per read ${one.nsPerRequest.toFixed(0)} ns (${one.writesPerRead} writes/read), ten per read ${ten.nsPerRequest.toFixed(0)} ns (${ten.writesPerRead} writes/read)`,
    );
  }
}
