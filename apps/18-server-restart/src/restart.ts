// A server restarted while its old connections sit in TIME_WAIT: which binds
// of its port fail, and why. Everything on 127.0.0.1, no root needed.
import net from 'node:net';
import { countTimeWait } from '@connlab/inspect';
import { sleep } from '@connlab/lab';
import { BindError, rawListen } from '@connlab/tcp-options';

/** What a bind of the old port did: 'ok', or the errno name ('EADDRINUSE'). */
export type BindOutcome = string;

export interface RestartCase {
  /** The old server set SO_REUSEADDR on its listener (Node always does). */
  oldReuseAddr: boolean;
  /** Who sent the first FIN of each old connection, and so holds its TIME_WAIT. */
  firstClose: 'server' | 'client';
  connections: number;
}

export interface RestartResult extends RestartCase {
  port: number;
  /** TIME_WAIT sockets of the old connections, by holder, once the old server is gone. */
  timeWait: { server: number; client: number };
  /** The new server's bind without SO_REUSEADDR, with it, and Node's listen(). */
  withoutReuseAddr: BindOutcome;
  withReuseAddr: BindOutcome;
  nodeListen: BindOutcome;
}

function tryBind(port: number, reuseAddr: boolean): BindOutcome {
  try {
    rawListen(port, { reuseAddr }).close();
    return 'ok';
  } catch (error) {
    if (error instanceof BindError) return error.errnoName;
    throw error;
  }
}

function tryNodeListen(port: number): Promise<BindOutcome> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve('ok')));
  });
}

async function oldServer(reuseAddr: boolean, firstClose: RestartCase['firstClose']): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    if (firstClose === 'server') socket.end('bye\n');
    else socket.resume();
  });
  if (reuseAddr) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as net.AddressInfo).port };
  }
  // Node cannot listen without SO_REUSEADDR: make the socket ourselves and hand Node the fd.
  const raw = rawListen(0);
  await new Promise<void>((resolve) => server.listen({ fd: raw.fd }, resolve));
  return { server, port: raw.port };
}

async function oneConnection(port: number, firstClose: RestartCase['firstClose']): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  socket.resume();
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const local = socket.localPort ?? 0;
  if (firstClose === 'client') socket.end();
  else socket.once('end', () => socket.end()); // answer the server's FIN: it then holds the TIME_WAIT
  await new Promise((resolve) => socket.once('close', resolve));
  return local;
}

/**
 * Run the old server, let `connections` connections end, stop it, and try to
 * bind its port again three ways.
 *
 * @example
 * ```ts
 * const r = await restartCase({ oldReuseAddr: true, firstClose: 'server', connections: 3 });
 * r.withoutReuseAddr; // 'EADDRINUSE'
 * r.withReuseAddr;    // 'ok'
 * ```
 */
export async function restartCase(spec: RestartCase): Promise<RestartResult> {
  const { server, port } = await oldServer(spec.oldReuseAddr, spec.firstClose);
  const clientPorts: number[] = [];
  for (let i = 0; i < spec.connections; i++) clientPorts.push(await oneConnection(port, spec.firstClose));
  await new Promise((resolve) => server.close(resolve));
  // The server side's last ACK may still be on its way when the client's 'close' fires.
  await sleep(50);
  const tw = await countTimeWait(port, undefined, clientPorts);
  return {
    ...spec,
    port,
    timeWait: { server: tw.server, client: tw.client },
    withoutReuseAddr: tryBind(port, false),
    withReuseAddr: tryBind(port, true),
    nodeListen: await tryNodeListen(port),
  };
}
