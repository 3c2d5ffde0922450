// A hello-world server, ours, node:http, a parser-less net floor or
// uWebSockets.js (C++; UWS_MODULE names its module file), in its own process
// so it can be pinned to a core. Prints its port on the first line; on SIGUSR2
// prints process.memoryUsage() after a GC (for the idle-memory run).
import http from 'node:http';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { createServer } from '../src/index.js';

/** The part of uWebSockets.js's API this server uses. */
interface UwsResponse {
  writeStatus(status: string): UwsResponse;
  writeHeader(name: string, value: string): UwsResponse;
  end(body: string): UwsResponse;
}
interface UwsApp {
  get(pattern: string, handler: (res: UwsResponse) => void): UwsApp;
  listen(host: string, port: number, callback: (token: unknown) => void): UwsApp;
}
interface Uws {
  App(): UwsApp;
  us_socket_local_port(token: unknown): number;
}

const kind = process.argv[2] ?? 'connlab';
const idleMs = Number(process.env.IDLE_TIMEOUT_MS ?? 5000);
const BODY = 'Hello, World!';
const HEADERS = { 'Content-Type': 'text/plain' };

async function start(): Promise<number> {
  if (kind === 'node') {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, HEADERS);
      res.end(BODY);
    });
    server.keepAliveTimeout = idleMs;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }
  if (kind === 'net') {
    // No parser: count "\r\n\r\n" and answer each with a fixed response (the floor for any JS server).
    const RESPONSE = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;
    const server = net.createServer((socket) => {
      socket.setNoDelay(true);
      let tail = '';
      socket.on('data', (chunk: Buffer) => {
        const text = tail + chunk.toString('latin1');
        let n = 0;
        let last = 0;
        for (let at = text.indexOf('\r\n\r\n'); at !== -1; at = text.indexOf('\r\n\r\n', last)) {
          n++;
          last = at + 4;
        }
        tail = text.slice(last);
        if (n === 0) return;
        socket.write(RESPONSE.repeat(n), 'latin1');
        // Honour Connection: close (the close scenario), so every request costs a connection here too.
        if (/connection: close/i.test(text)) socket.end();
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }
  if (kind === 'uws') {
    const uws = (await import(pathToFileURL(process.env.UWS_MODULE ?? '').href)) as Uws;
    return new Promise((resolve, reject) => {
      uws
        .App()
        .get('/*', (res) => {
          res.writeStatus('200 OK').writeHeader('Content-Type', 'text/plain').end(BODY);
        })
        .listen('127.0.0.1', 0, (token) => {
          if (token) resolve(uws.us_socket_local_port(token));
          else reject(new Error('uWebSockets.js could not listen on 127.0.0.1'));
        });
    });
  }
  const server = createServer(
    (_req, res) => {
      res.writeHead(200, HEADERS);
      res.end(BODY);
    },
    { keepAliveTimeoutMs: idleMs, socketIo: process.env.BENCH_SOCKET_IO === 'stream' ? 'stream' : 'handle' },
  );
  return (await server.listen(0, '127.0.0.1')).port;
}

console.log(await start());
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  console.log(JSON.stringify(process.memoryUsage()));
});
// Exit normally on SIGINT/SIGTERM so --cpu-prof can write its profile.
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
