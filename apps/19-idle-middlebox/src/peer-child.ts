// Both ends of the lesson, inside the delay line's namespaces. argv[2]
// 'server': an HTTP server that keeps connections open for minutes (so the
// only thing that forgets them is the middlebox). argv[2] 'client': on
// { type: 'run' } opens one keep-alive connection per case, all at once, and
// reports what the request after the idle time got.
import { createServer } from 'node:http';
import net from 'node:net';
import { sleep } from '@connlab/lab';
import { answerParent, nextFromParent, sendToParent } from '@connlab/netns';
import { getTcpInfo, setKeepAlive, setUserTimeout } from '@connlab/tcp-options';
import type { CaseResult, CaseSpec, PeerCommand } from './messages.js';

/** One HTTP/1.1 exchange on an open connection; resolves with the time, rejects on error or after `timeoutMs`. */
function exchange(socket: net.Socket, path: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let text = '';
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      if (error) reject(error);
      else resolve(performance.now() - t0);
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /content-length:\s*(\d+)/i.exec(text)?.[1];
      if (end >= 0 && length !== undefined && text.length >= end + 4 + Number(length)) done();
    };
    const onError = (error: Error) => done(error);
    const timer = setTimeout(() => done(Object.assign(new Error('no answer'), { code: 'HUNG' })), timeoutMs);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: lab\r\n\r\n`);
  });
}

async function runCase(host: string, port: number, spec: CaseSpec): Promise<CaseResult> {
  const socket = net.connect(port, host);
  socket.setNoDelay(true);
  socket.on('error', () => undefined); // each exchange reports its own
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  if (spec.keeper === 'tcp-keepalive')
    setKeepAlive(socket, { enable: true, idleMs: spec.keepaliveMs, intervalMs: spec.keepaliveMs, count: 3 });
  if (spec.keeper === 'user-timeout') setUserTimeout(socket, spec.userTimeoutMs);
  const firstMs = await exchange(socket, '/first', spec.waitMs);
  let heartbeats = 0;
  if (spec.keeper === 'heartbeat') {
    for (let t = spec.heartbeatMs; t <= spec.idleMs; t += spec.heartbeatMs) {
      await sleep(spec.heartbeatMs);
      await exchange(socket, '/ping', spec.waitMs);
      heartbeats++;
    }
  } else {
    await sleep(spec.idleMs);
  }
  const t0 = performance.now();
  let outcome: CaseResult['outcome'] = 'answered';
  let error: string | undefined;
  try {
    await exchange(socket, '/second', spec.waitMs);
  } catch (e) {
    error = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    outcome = error === 'HUNG' ? 'hung' : 'failed';
  }
  const secondMs = performance.now() - t0;
  let counters: Pick<CaseResult, 'totalRetrans' | 'retransmits'> = {};
  try {
    const info = getTcpInfo(socket);
    counters = { totalRetrans: info.totalRetrans, retransmits: info.retransmits };
  } catch {
    // the socket is gone after an error: its counters went with it
  }
  socket.destroy();
  return { ...spec, firstMs, outcome, secondMs, ...(outcome === 'answered' ? {} : { error }), heartbeats, ...counters };
}

if (process.argv[2] === 'server') {
  const server = createServer((req, res) => {
    req.resume();
    res.setHeader('Content-Type', 'text/plain');
    res.end('ok\n');
  });
  // Far longer than any idle time here: the server must not be what closes the connection.
  server.keepAliveTimeout = 600_000;
  server.listen(0, '0.0.0.0', () => sendToParent({ type: 'listening', port: (server.address() as net.AddressInfo).port }));
  await nextFromParent((m) => (m as { type?: string }).type === 'stop');
  server.closeAllConnections();
  server.close();
} else {
  await answerParent(async (c: Exclude<PeerCommand, { type: 'stop' }>) => ({
    type: 'results',
    results: await Promise.all(c.cases.map((spec) => runCase(c.host, c.port, spec))),
  }));
}
process.disconnect();
