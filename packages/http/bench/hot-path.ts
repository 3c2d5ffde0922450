// The server's own JavaScript per request, without sockets: a Connection fed
// from memory, writing into a sink that only counts bytes. What is left after
// this is node's stream and syscall cost, the same for every server.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Connection } from '../src/server/connection.js';
import { HttpServer } from '../src/server/server.js';

// CPU time of this process (user + system), in ns: steadier than wall time on a shared machine.
const cpuNs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

class CountingSocket extends EventEmitter {
  bytes = 0;
  writes = 0;
  remoteAddress = '127.0.0.1';
  remotePort = 1;
  writableNeedDrain = false;
  readableEnded = false;
  write(data: string | Buffer): boolean {
    this.bytes += data.length;
    this.writes++;
    return true;
  }
  cork(): void {
    /* counted as one write */
  }
  uncork(): void {
    /* nothing buffered */
  }
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  end(): this {
    return this;
  }
  destroy(): this {
    return this;
  }
  destroySoon(): void {
    /* never closes */
  }
  setNoDelay(): this {
    return this;
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
  const socket = new CountingSocket();
  const conn = new Connection(server, 1, socket as unknown as Socket);
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
