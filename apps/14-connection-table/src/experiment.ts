// The server's keep-alive bookkeeping, watched live.
//
// The notes' design keeps one record per connection (fd, requests served,
// start time, a keep-alive flag), checks it after every transaction, and runs
// a periodic task that closes connections idle past the timeout. The
// @connlab/http server keeps the same record (`server.connections()`), and its
// "sweep" is driven by deadlines: connections sit in a list ordered by
// deadline and one timer fires for the earliest, so a sweep touches only the
// connections that expire. Here five clients with different habits connect
// and the table is printed at a few instants while the sweep closes the idle ones.
import { sleep, Wire } from '@connlab/lab';
import { createServer, parseMessages } from '@connlab/http';
import type { CloseReason, ConnectionInfo, TimerName } from '@connlab/http';

export type ClientName = 'steady' | 'burst' | 'silent' | 'slow-head' | 'late';

/** What each client does. */
export const clientHabits: Record<ClientName, string> = {
  steady: 'a request every timeout/3, all run long',
  burst: '3 requests at once, then silence',
  silent: 'connects and never sends a byte',
  'slow-head': 'sends half a request head and stops',
  late: 'connects at timeout/2, 1 request, then silence',
};

export interface RunOptions {
  /** The server's keep-alive (idle) timeout. */
  keepAliveTimeoutMs: number;
  /** The server's header timeout (a request head must complete within it). */
  headersTimeoutMs: number;
  /** When to print the table, in ms from the start. */
  snapshotsAt: number[];
  /** When the run ends (the steady client stops and closes), ms from the start. */
  durationMs: number;
  /** The steady client's pause between requests (default a third of the keep-alive timeout). */
  steadyGapMs?: number;
  /** The server's maxRequestsPerConnection (default 0: no limit). */
  maxRequestsPerConnection?: number;
}

export const defaultOptions: RunOptions = {
  keepAliveTimeoutMs: 1500,
  headersTimeoutMs: 1000,
  snapshotsAt: [200, 900, 1300, 1800, 2500],
  durationMs: 2800,
};
export const quickOptions: RunOptions = {
  keepAliveTimeoutMs: 800,
  headersTimeoutMs: 500,
  snapshotsAt: [100, 450, 700, 950, 1350],
  durationMs: 1500,
};

/** One row of a snapshot: a connection in `server.connections()`, in the run's time. */
export interface TableRow {
  client: ClientName | '?';
  id: number;
  state: ConnectionInfo['state'];
  requestsServed: number;
  idleMs: number;
  timer: ConnectionInfo['timer'];
  /** ms from the snapshot until the running timer fires (null while active). */
  expiresInMs: number | null;
  /** The deadline in the run's time (ms from start). */
  deadlineAt: number | null;
}

export interface Snapshot {
  at: number;
  rows: TableRow[];
  /** Responses each client had received when the snapshot was taken. */
  clientResponses: Partial<Record<ClientName, number>>;
}

/** A connection the server closed during the run. */
export interface Closed {
  client: ClientName | '?';
  id: number;
  at: number;
  reason: CloseReason;
  requestsServed: number;
  /** The last idle or header deadline the server had for it (run time), from a snapshot or after a response. */
  deadlineAt: number | null;
}

export interface ClientLife {
  client: ClientName;
  connectedAt: number;
  /** The server's FIN, seen by the client. */
  finAt: number | null;
  responses: number;
  /** Times (run ms) each response completed. */
  responseTimes: number[];
  /** Status of the last response (408 for the slow head). */
  lastStatus: number | null;
}

export interface RunResult {
  options: RunOptions;
  snapshots: Snapshot[];
  closed: Closed[];
  /** Sweep events: one per connection a timer list expired. */
  sweeps: { at: number; timer: TimerName; expired: number }[];
  clients: ClientLife[];
}

const HOST = '127.0.0.1';
const REQUEST = `GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;

function responsesIn(wire: Wire): { count: number; lastStatus: number | null } {
  const { messages } = parseMessages({ type: 'response' }, [wire.received()]);
  return { count: messages.length, lastStatus: messages[messages.length - 1]?.head.status ?? null };
}

/** Start five clients against one server and watch its connection table. */
export async function run(options: RunOptions = defaultOptions): Promise<RunResult> {
  const T = options.keepAliveTimeoutMs;
  const server = createServer(() => ({ body: 'ok\n' }), {
    keepAliveTimeoutMs: T,
    headersTimeoutMs: options.headersTimeoutMs,
    maxRequestsPerConnection: options.maxRequestsPerConnection ?? 0,
    date: false,
  });
  const { port } = await server.listen(0, HOST);
  const t0 = performance.now();
  const now = (): number => performance.now() - t0;
  const toRun = (wallMs: number | null): number | null => (wallMs === null ? null : wallMs - performance.timeOrigin - t0);
  const byPort = new Map<number, ClientName>();
  const wires = new Map<ClientName, Wire>();
  const lives = new Map<ClientName, ClientLife>();
  const lastDeadline = new Map<number, number | null>();
  const closed: Closed[] = [];
  const sweeps: RunResult['sweeps'] = [];
  server.on('connectionClose', (info, reason) => {
    closed.push({
      client: byPort.get(info.remotePort) ?? '?',
      id: info.id,
      at: now(),
      reason,
      requestsServed: info.requestsServed,
      deadlineAt: lastDeadline.get(info.id) ?? toRun(info.deadline),
    });
  });
  server.on('sweep', ({ timer, expired }) => {
    sweeps.push({ at: now(), timer, expired });
  });
  // Follow every deadline change, so a close can be compared with the deadline that caused it.
  server.on('response', ({ connectionId }) => {
    queueMicrotask(() => {
      const row = server.connections().find((c) => c.id === connectionId);
      if (row && (row.timer === 'idle' || row.timer === 'header')) lastDeadline.set(row.id, toRun(row.deadline));
    });
  });

  const open = async (client: ClientName): Promise<Wire> => {
    const wire = await Wire.connect(port);
    byPort.set(wire.socket.localPort ?? -1, client);
    wires.set(client, wire);
    const life: ClientLife = { client, connectedAt: now(), finAt: null, responses: 0, responseTimes: [], lastStatus: null };
    lives.set(client, life);
    wire.socket.on('data', () => {
      const { count, lastStatus } = responsesIn(wire);
      while (life.responseTimes.length < count) life.responseTimes.push(now());
      life.responses = count;
      life.lastStatus = lastStatus;
    });
    wire.socket.on('end', () => {
      // Like any client: the server's FIN ends the connection, so close our side too.
      life.finAt = now();
      wire.end();
    });
    return wire;
  };
  const request = async (wire: Wire): Promise<void> => {
    const want = responsesIn(wire).count + 1;
    await wire.send(REQUEST);
    await wire.waitFor(() => responsesIn(wire).count >= want, T * 4);
  };

  let stop = false;
  const steady = (async () => {
    const wire = await open('steady');
    while (!stop) {
      await request(wire);
      await sleep(options.steadyGapMs ?? T / 3);
    }
  })();
  const burst = (async () => {
    const wire = await open('burst');
    for (let i = 0; i < 3; i++) await request(wire);
  })();
  const silent = open('silent');
  const slow = (async () => {
    const wire = await open('slow-head');
    await wire.send(`GET /slow HTTP/1.1\r\nHost: ${HOST}\r\n`); // no blank line: the head never completes
  })();
  const late = (async () => {
    await sleep(T / 2);
    await request(await open('late'));
  })();

  const snapshots: Snapshot[] = [];
  try {
    await Promise.all([burst, silent, slow]);
    for (const at of options.snapshotsAt) {
      await sleep(Math.max(0, at - now()));
      const t = now();
      const rows = server.connections().map((c): TableRow => {
        const deadlineAt = toRun(c.deadline);
        if (c.timer === 'idle' || c.timer === 'header') lastDeadline.set(c.id, deadlineAt);
        return {
          client: byPort.get(c.remotePort) ?? '?',
          id: c.id,
          state: c.state,
          requestsServed: c.requestsServed,
          idleMs: c.idleMs,
          timer: c.timer,
          expiresInMs: deadlineAt === null ? null : Math.round(deadlineAt - t),
          deadlineAt,
        };
      });
      rows.sort((a, b) => a.id - b.id);
      const clientResponses: Partial<Record<ClientName, number>> = {};
      for (const [name, life] of lives) clientResponses[name] = life.responses;
      snapshots.push({ at: t, rows, clientResponses });
    }
    await sleep(Math.max(0, options.durationMs - now()));
  } finally {
    stop = true;
    await Promise.allSettled([steady, late]);
    for (const w of wires.values()) {
      w.end();
      await w.waitClose(1000);
      w.destroy();
    }
    await server.close({ graceMs: 1000 });
  }
  return { options, snapshots, closed, sweeps, clients: [...lives.values()] };
}
