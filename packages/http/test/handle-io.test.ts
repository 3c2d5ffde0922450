// The handle path (src/server/handle-io.ts): one read buffer shared by every
// connection, direct writes, and the fallback to the stream API.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, until } from '@connlab/lab';
import { describe, expect, it } from 'vitest';
import { createServer } from '../src/server/server.js';
import type { CloseReason } from '../src/server/connection.js';
import { readBody } from '../src/server/request.js';
import { HandleIo, acceptHandles, handleIoAvailable } from '../src/server/handle-io.js';
import type { SocketIoOwner } from '../src/server/socket-io.js';
import { connect, responses, serversUnderTest, waitResponses } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const servers = serversUnderTest();

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** A body as one chunk (if not empty) and the last-chunk. */
const chunked = (b: Buffer): Buffer[] =>
  (b.length === 0 ? [] : [Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]).concat(Buffer.from('0\r\n\r\n'));

describe('handle I/O', () => {
  it('is what this Node uses by default, per server and per connection; socketIo: "stream" turns it off', async () => {
    const hello = (): { body: string } => ({ body: 'hi' });
    const fast = createServer(hello);
    const slow = createServer(hello, { socketIo: 'stream' });
    servers.push(fast, slow);
    expect(fast.socketIo).toBe('handle');
    expect(slow.socketIo).toBe('stream');
    for (const server of [fast, slow]) {
      const { port } = await server.listen(0, '127.0.0.1');
      const c = await connect(port);
      await c.send('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
      expect((await waitResponses(c, 1))[0]!.body.toString()).toBe('hi');
      expect(server.connections().map((r) => r.socketIo)).toEqual([server.socketIo]);
    }
    // @ts-expect-error: not one of the two ways
    expect(() => createServer(hello, { socketIo: 'fast' })).toThrow(/socketIo/);
  });

  it('keeps every body intact while many connections share the read buffer (bodies over many reads, buffered and streamed, pipelined)', async () => {
    const server = createServer(async (req) => ({ body: `${req.target} ${sha(await readBody(req))}` }), { bodyBufferSize: 16 * 1024 });
    servers.push(server);
    const { port } = await server.listen(0, '127.0.0.1');
    const sizes = [0, 1, 900, 15_000, 70_000, 300_000]; // around and above bodyBufferSize, so both body paths run
    const clients = await Promise.all(Array.from({ length: 6 }, () => connect(port)));
    const expected: string[][] = [];
    const wire: Buffer[] = [];
    clients.forEach((_, k) => {
      const bodies = sizes.map((_, i) => randomBytes(sizes[(k + i) % sizes.length]!));
      expected.push(bodies.map((b, i) => `/${k}/${i} ${sha(b)}`));
      // Half the requests chunked, so the parser's framing differs between neighbours.
      wire.push(
        Buffer.concat(
          bodies.flatMap((b, i) =>
            i % 2 === 0
              ? [Buffer.from(`POST /${k}/${i} HTTP/1.1\r\nHost: t\r\nContent-Length: ${b.length}\r\n\r\n`), b]
              : [Buffer.from(`POST /${k}/${i} HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n`), ...chunked(b)],
          ),
        ),
      );
    });
    // Interleave the connections' bytes in uneven slices so reads alternate between them.
    const offsets = clients.map(() => 0);
    for (let round = 0; offsets.some((o, k) => o < wire[k]!.length); round++) {
      clients.forEach((c, k) => {
        const slice = 1 + ((round * 7919 + k * 104_729) % 40_000);
        if (offsets[k]! < wire[k]!.length) void c.send(wire[k]!.subarray(offsets[k], offsets[k]! + slice));
        offsets[k] = Math.min(wire[k]!.length, offsets[k]! + slice);
      });
      await new Promise((r) => setImmediate(r));
    }
    const got = await Promise.all(clients.map((c) => waitResponses(c, sizes.length, [], 20_000)));
    expect(got.map((responses) => responses.map((r) => r.body.toString()))).toEqual(expected);
  });

  it('writes a response larger than the socket buffers in order to a slow reader, and keeps serving', async () => {
    const big = randomBytes(8 * 1024 * 1024);
    const server = createServer((req) => ({ body: req.target === '/big' ? big : 'small' }));
    servers.push(server);
    const { port } = await server.listen(0, '127.0.0.1');
    const c = await connect(port);
    c.socket.pause();
    await c.send('GET /big HTTP/1.1\r\nHost: t\r\n\r\nGET /after HTTP/1.1\r\nHost: t\r\n\r\n');
    await sleep(200); // the kernel's buffers fill; the rest waits in libuv's write queue
    c.socket.resume();
    // Count bytes rather than re-parse on every chunk; parse once at the end.
    await c.until('both responses', (w) => w.receivedBytes >= big.length + 100, 15_000);
    const [first, second] = await waitResponses(c, 2, [], 5000);
    expect(sha(first!.body)).toBe(sha(big));
    expect(second!.body.toString()).toBe('small');
  });

  it('survives a client that resets while a large response is still queued', async () => {
    const reasons: CloseReason[] = [];
    const server = createServer((req) => ({ body: req.target === '/big' ? Buffer.alloc(16 * 1024 * 1024, 1) : 'ok' }));
    server.on('connectionClose', (_info, reason) => reasons.push(reason));
    servers.push(server);
    const { port } = await server.listen(0, '127.0.0.1');
    const rude = await connect(port);
    rude.socket.pause();
    await rude.send('GET /big HTTP/1.1\r\nHost: t\r\n\r\n');
    await sleep(150);
    rude.reset(); // RST: the server's queued write fails
    await until('the close reason', () => reasons.length === 1);
    expect(reasons[0]).toBe('error');
    const polite = await connect(port);
    await polite.send('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
    expect((await waitResponses(polite, 1))[0]!.body.toString()).toBe('ok');
  });

  it('is not used, and prints no warning, when node runs with --pending-deprecation', () => {
    const script = `import { createServer } from ${JSON.stringify(path.join(here, '../src/index.ts'))};
      const s = createServer(() => ({ body: 'x' }));
      console.log(s.socketIo);`;
    const r = spawnSync(process.execPath, ['--pending-deprecation', '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.stdout.trim()).toBe('stream');
    expect(r.stderr).not.toMatch(/DEP0111|process\.binding/);
  });

  it.runIf(handleIoAvailable)(
    'holds writeSoon() bytes until the check phase; a write, a writev or a close sends them first, in order',
    async () => {
      // A listening server whose connections arrive as raw handles, as HttpServer takes them.
      const lb = net.createServer();
      await new Promise<void>((resolve) => lb.listen(0, '127.0.0.1', resolve));
      let io: HandleIo | null = null;
      let closed = false;
      const owner: SocketIoOwner = {
        onData: () => undefined,
        onDrain: () => undefined,
        onEnd: () => undefined,
        onSocketError: () => undefined,
        onFinish: () => undefined,
        onClosing: () => undefined,
        onClose: () => {
          closed = true;
        },
      };
      expect(
        acceptHandles(lb, true, (handle) => {
          io = HandleIo.adopt(handle);
          io?.start(owner);
        }),
      ).toBe(true);
      try {
        const client = await connect((lb.address() as net.AddressInfo).port);
        await until('the accepted handle', () => io ?? undefined);
        const turn = (): Promise<void> => new Promise((r) => setImmediate(r)); // runs after the hold's own setImmediate

        io!.writeSoon('a');
        io!.writeSoon('b');
        expect(io!.queued).toBe(2); // held, not written yet
        await turn();
        expect(io!.queued).toBe(0);

        io!.writeSoon('c');
        io!.write('d'); // carries the held 'c' ahead of it
        expect(io!.queued).toBe(0);
        io!.writeSoon('e');
        io!.writev(['f', Buffer.from('g')]);
        expect(io!.queued).toBe(0);

        // Too much to hold: written at once (whatever the kernel did not take is libuv's, not held).
        const big = 'x'.repeat(20 * 1024);
        io!.writeSoon(big);
        expect(io!.queued).toBeLessThan(big.length);
        await turn();
        // Held bytes alone never reach the high-water mark: a connection that paused for
        // drain on them would wait forever, since a write that completes at once calls no onDrain.
        const edge = 'y'.repeat(16 * 1024);
        io!.writeSoon(edge);
        expect(io!.needDrain).toBe(false);

        io!.writeSoon('h');
        io!.end(); // the FIN after every byte, the held 'h' included
        await client.ended();
        expect(client.text()).toBe(`abcdefg${big}${edge}h`);
        io!.destroy();
        await until('the handle closed', () => closed);
      } finally {
        await new Promise((resolve) => lb.close(resolve));
      }
    },
  );

  it("answers a request that arrives together with the client's FIN before sending its own FIN", async () => {
    const server = createServer(() => ({ body: 'last words' }));
    servers.push(server);
    const { port } = await server.listen(0, '127.0.0.1');
    for (let i = 0; i < 5; i++) {
      const c = await connect(port, { allowHalfOpen: true });
      c.end('GET / HTTP/1.1\r\nHost: t\r\n\r\n'); // request and FIN leave in one go
      await c.ended();
      expect(responses(c).map((r) => r.body.toString())).toEqual(['last words']);
    }
  });

  it('sends a held response before the FIN when server.close() runs later in the same poll phase', async () => {
    const server = createServer((req) => {
      if (req.target === '/close') void server.close({ graceMs: 1000 });
      return { body: `answer to ${req.target}` };
    });
    servers.push(server);
    const { port } = await server.listen(0, '127.0.0.1');
    const a = await connect(port);
    const b = await connect(port);
    void a.send('GET /a HTTP/1.1\r\nHost: t\r\n\r\n');
    void b.send('GET /close HTTP/1.1\r\nHost: t\r\n\r\n');
    // Keep this (the server's) event loop busy until both requests wait in the
    // kernel, so one poll phase reads them both: /a's answer is held, then
    // /close's handler closes the server, which ends the now idle connection a.
    const busyUntil = Date.now() + 50;
    while (Date.now() < busyUntil) {
      /* busy */
    }
    await a.ended();
    expect(responses(a).map((r) => r.body.toString())).toEqual(['answer to /a']);
    expect((await waitResponses(b, 1))[0]!.body.toString()).toBe('answer to /close');
  });
});
