// Lesson 01's measurement: the notes' echo pair run in one process on
// loopback, plus three variations that show what a byte stream does and does not keep.
import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { EchoConnectionSummary, EchoSession } from '@connlab/echo';
import { createEchoServer, openEchoSession } from '@connlab/echo';
import { nowMs, sleep } from '@connlab/lab';
import { notesMessage, notesReadSize, quote } from './notes.js';

export interface ExperimentOptions {
  /** What the client sends in parts 1 and 2. Default: the notes' 103-byte message. */
  message?: string;
  /** The server's bytes per read. Default 16, as in the notes. */
  readSize?: number;
  /** Size of the payload for the single-write vs sendall comparison. Default 8 MiB. */
  bulkBytes?: number;
  /** How the client splits the message in part 2. Default: three uneven writes. */
  splitAt?: number[];
  /** Pause between those writes, ms. Default 25. */
  gapMs?: number;
}

/** One event on a connection's close, in time order. */
export interface CloseEvent {
  ms: number;
  who: 'client' | 'server';
  what: string;
}

export interface CloseRun {
  events: CloseEvent[];
  /** Whose FIN went first, as the server saw it. */
  closedFirstBy: 'peer' | 'server';
  /** An errno (ECONNRESET) or 'grace period expired' when the close was not two clean FINs. */
  aborted: string | undefined;
}

export interface ExperimentResult {
  message: string;
  readSize: number;
  /** Part 1, the notes exactly: sendall(message), then recv(16) until every byte is back. */
  notesPair: {
    sent: number;
    received: number;
    intact: boolean;
    /** Each piece the server read, in order (the notes' server log). */
    serverReads: Buffer[];
    /** Bytes per read the kernel delivered to the server's socket, before its recv(16) loop split them. */
    kernelReads: number[];
    /** Sizes the client's recv(16) calls returned. */
    clientReads: number[];
  };
  /** Part 2: the message written in pieces with pauses; where the reads split it. */
  stream: {
    writes: number[];
    /** Bytes per read the kernel delivered to the server. */
    kernelReads: number[];
    serverReads: number[];
    clientReads: number[];
    /** Bytes the first single read returned: "reading once and getting half a message". */
    firstRead: number;
    intact: boolean;
  };
  /** Part 3: one big write vs the sendall loop. */
  sendall: {
    bytes: number;
    /**
     * Bytes the kernel took during the single write() call itself, i.e. what
     * a single send() would have returned. Undefined if Node does not expose it.
     */
    singleWriteAccepted: number | undefined;
    /** Times write() returned false and the sendall loop waited for 'drain'. */
    drainWaits: number;
    /** 64 KiB writes the sendall loop made. */
    writes: number;
    intact: boolean;
  };
  /** Part 4: who closes first. */
  close: { clientFirst: CloseRun; serverFirst: CloseRun & { graceful: number; destroyed: number } };
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Bytes not yet handed to the kernel, from libuv's write queue (Node keeps the
 * rest of a write the kernel did not take there). An internal field, so read defensively.
 */
function kernelBacklog(socket: Socket): number | undefined {
  const handle = (socket as unknown as { _handle?: { writeQueueSize?: unknown } })._handle;
  return typeof handle?.writeQueueSize === 'number' ? handle.writeQueueSize : undefined;
}

/** Read everything until `n` bytes came back, recording the size of each read. */
async function readAll(session: EchoSession, n: number, maxPerRead = Infinity): Promise<{ data: Buffer; sizes: number[] }> {
  const pieces: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const piece = await session.recv(maxPerRead);
    if (piece === null) break;
    pieces.push(piece);
    got += piece.length;
  }
  return { data: Buffer.concat(pieces), sizes: pieces.map((p) => p.length) };
}

/** Split `length` at the given offsets, e.g. 103 at [40, 70] → [40, 30, 33]. */
function splitSizes(length: number, at: number[]): number[] {
  const cuts = [0, ...at.filter((c) => c > 0 && c < length).sort((a, b) => a - b), length];
  return cuts.slice(1).map((c, i) => c - cuts[i]!);
}

/**
 * Run the lesson's four parts against one in-process echo server.
 *
 * @example
 * ```ts
 * const result = await run({ bulkBytes: 1 << 20 });
 * console.log(result.notesPair.serverReads.map((b) => b.length)); // [16, 16, 16, 16, 16, 16, 7]
 * ```
 */
export async function run(options: ExperimentOptions = {}): Promise<ExperimentResult> {
  const message = Buffer.from(options.message ?? notesMessage);
  const readSize = options.readSize ?? notesReadSize;
  const bulkBytes = options.bulkBytes ?? 8 << 20;
  const gapMs = options.gapMs ?? 25;
  const writes = splitSizes(message.length, options.splitAt ?? [Math.round(message.length * 0.39), Math.round(message.length * 0.68)]);

  const readsByConnection = new Map<number, Buffer[]>();
  const kernelByConnection = new Map<number, number[]>();
  const summaries = new Map<number, EchoConnectionSummary>();
  let t0 = nowMs();
  let events: CloseEvent[] = [];
  const note = (who: CloseEvent['who'], what: string): void => {
    events.push({ ms: nowMs() - t0, who, what });
  };
  let connections = 0;
  const server = await createEchoServer({
    readSize,
    onConnection: (conn) => {
      connections = conn.id;
      readsByConnection.set(conn.id, []);
    },
    onKernelRead: (bytes, conn) => {
      const reads = kernelByConnection.get(conn.id) ?? [];
      kernelByConnection.set(conn.id, [...reads, bytes]);
    },
    onChunk: (chunk, conn) => readsByConnection.get(conn.id)?.push(Buffer.from(chunk)),
    onPeerEnd: (conn) => note('server', `reads EOF (empty read): "no data from ${conn.remote}"`),
    onConnectionClose: (conn, summary) => {
      summaries.set(conn.id, summary);
      note('server', 'connection closed');
    },
  });
  const open = (): Promise<EchoSession> => openEchoSession({ ...server.address, timeoutMs: 10_000 });
  const closeRun = (id: number): CloseRun => {
    const summary = summaries.get(id);
    return { events: [...events], closedFirstBy: summary?.closedFirstBy ?? 'server', aborted: summary?.aborted };
  };
  const waitForClose = async (id: number): Promise<void> => {
    for (let i = 0; i < 200 && !summaries.has(id); i++) await sleep(5);
  };

  try {
    // Part 1: the notes' client, and part 4a: it closes first, as the notes' client does.
    const s1 = await open();
    const id1 = connections;
    await s1.send(message);
    const back1 = await readAll(s1, message.length, readSize);
    events = [];
    t0 = nowMs();
    s1.socket.once('end', () => note('client', 'reads EOF: the server closed its side (FIN)'));
    note('client', 'end(): sends FIN, "closing socket"');
    await s1.end();
    await s1.recv(); // null: the server's FIN
    await s1.close();
    await waitForClose(id1);
    const clientFirst = closeRun(id1);

    // Part 2: the same bytes written in three pieces with pauses; the first read takes what is there.
    const s2 = await open();
    const id2 = connections;
    const firstRead = s2.recv();
    const sending = (async () => {
      let offset = 0;
      for (const [i, size] of writes.entries()) {
        if (i > 0) await sleep(gapMs);
        await s2.send(message.subarray(offset, offset + size));
        offset += size;
      }
    })();
    const first = await firstRead;
    const rest = await readAll(s2, message.length - (first?.length ?? 0));
    await sending;
    await s2.end();
    await s2.close();
    const streamBack = Buffer.concat([first ?? Buffer.alloc(0), rest.data]);

    // Part 3: one write() of the whole payload vs a sendall loop of 64 KiB pieces,
    // against a server without the 16-byte read size: one write() per 16 bytes
    // would turn megabytes into seconds.
    const payload = randomBytes(bulkBytes);
    const bulkServer = await createEchoServer();
    const s3 = await openEchoSession({ ...bulkServer.address, timeoutMs: 10_000 });
    s3.socket.write(payload);
    const backlog = kernelBacklog(s3.socket);
    const singleWriteAccepted = backlog === undefined ? undefined : payload.length - backlog;
    const single = await s3.readExactly(payload.length);
    const pieceSize = 64 << 10;
    let drainWaits = 0;
    let sendallWrites = 0;
    const loop = (async () => {
      for (let offset = 0; offset < payload.length; offset += pieceSize) {
        sendallWrites++;
        if (!s3.socket.write(payload.subarray(offset, offset + pieceSize))) {
          drainWaits++;
          await new Promise((resolve) => s3.socket.once('drain', resolve));
        }
      }
    })();
    const looped = await s3.readExactly(payload.length);
    await loop;
    await s3.end();
    await s3.close();
    await bulkServer.close({ graceMs: 100 });

    // Part 4b: the server closes first, with the client connected and idle.
    const s4 = await open();
    const id4 = connections;
    await s4.send('bye');
    await s4.readExactly(3);
    events = [];
    t0 = nowMs();
    s4.socket.once('end', () => note('client', 'reads EOF: the server closed its side (FIN); Node ends ours in reply'));
    note('server', 'close({ graceMs: 1000 }): stops accepting, sends FIN');
    const closing = server.close({ graceMs: 1000 });
    await s4.recv();
    await s4.close();
    const closed = await closing;
    await waitForClose(id4);

    const hash = sha256(payload);
    return {
      message: message.toString(),
      readSize,
      notesPair: {
        sent: message.length,
        received: back1.data.length,
        intact: back1.data.equals(message),
        serverReads: readsByConnection.get(id1) ?? [],
        kernelReads: kernelByConnection.get(id1) ?? [],
        clientReads: back1.sizes,
      },
      stream: {
        writes,
        kernelReads: kernelByConnection.get(id2) ?? [],
        serverReads: (readsByConnection.get(id2) ?? []).map((b) => b.length),
        clientReads: [first?.length ?? 0, ...rest.sizes],
        firstRead: first?.length ?? 0,
        intact: streamBack.equals(message),
      },
      sendall: {
        bytes: payload.length,
        singleWriteAccepted,
        drainWaits,
        writes: sendallWrites,
        intact: sha256(single) === hash && sha256(looped) === hash,
      },
      close: { clientFirst, serverFirst: { ...closeRun(id4), graceful: closed.graceful, destroyed: closed.destroyed } },
    };
  } finally {
    await server.close({ graceMs: 100 });
  }
}

/** The server's log lines for part 1, as the notes' server prints them. */
export function serverLog(reads: readonly Buffer[]): string[] {
  return reads.map((piece) => `received ${quote(piece)}`);
}
