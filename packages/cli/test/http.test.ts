// connlab http serve | get: keep-alive reuse, timing bars, close reasons.
import { Wire } from '@connlab/lab';
import { describe, expect, it } from 'vitest';
import { cli, until, useCleanup } from './helpers.js';

const track = useCleanup();
const serve = (...argv: string[]) => track.inProcess(['http', 'serve', '--port', '0', ...argv]);

/** The "request N: …" lines of `http get`. */
function requestLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^request \d+: /.test(l));
}

describe('connlab http', () => {
  it('get --timing --repeat 3 reuses one connection and draws connect only for the first', async () => {
    const server = serve('--echo');
    const { url } = await server.listening();
    const { code, stdout, stderr } = await cli('http', 'get', `${url}/hello?x=1`, '--timing', '--repeat', '3', '-H', 'X-Test: yes');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // The echo document of the first response, printed in full.
    expect(stdout).toMatch(/^HTTP\/1\.1 200 OK\n/);
    expect(stdout).toContain('"url": "/hello?x=1"');
    expect(stdout).toContain('"x-test": "yes"');
    const requests = requestLines(stdout);
    expect(requests).toHaveLength(3);
    expect(requests[0]).toMatch(/^request 1: 200 OK, connection #\d+, new, total/);
    expect(requests[1]).toMatch(/reused \(request 2 on it\)/);
    expect(requests[2]).toMatch(/reused \(request 3 on it\)/);
    // Phase bars: one connect bar (the handshake), on the first request only.
    const connectBars = stdout.split('\n').filter((l) => /^ {2}connect +[\d.]+ ms +│/.test(l));
    expect(connectBars).toHaveLength(1);
    expect(stdout.split('\n').filter((l) => /^ {2}wait +[\d.]+ ms +│/.test(l))).toHaveLength(3);
    expect(stdout).toContain('3 requests on 1 connection, 2 reused a connection');
    // The server saw one connection carry all three, then the client close it.
    const closed = await until('the close line', () => server.lines().find((l) => / closed: /.test(l)));
    expect(closed).toMatch(/closed: client-close after 3 responses/);
    expect(server.lines().filter((l) => /request \d: GET \/hello\?x=1 → 200/.test(l))).toHaveLength(3);
  });

  it('serve --max-requests 2 makes the client open a second connection', async () => {
    const server = serve('--max-requests', '2');
    const { url } = await server.listening();
    const { code, stdout } = await cli('http', 'get', `${url}/`, '--repeat', '3');
    expect(code).toBe(0);
    const requests = requestLines(stdout);
    expect(requests[1]).toMatch(/reused \(request 2 on it\), closed after it/);
    expect(requests[2]).toMatch(/, new, /);
    expect(stdout).toContain('3 requests on 2 connections, 1 reused a connection');
    await until('the max-requests close', () => server.lines().find((l) => l.includes('closed: max-requests after 2 responses')));
    expect(server.lines()).toContain('#1 request 2: GET / → 200 (Connection: close)');
  });

  it('serve --keep-alive-timeout closes an idle connection and logs why', async () => {
    const server = serve('--keep-alive-timeout', '300');
    const { port } = await server.listening();
    // A client that stays connected after its response, so only the server's idle timer can end it.
    const wire = await Wire.connect(port);
    track.socket(wire.socket);
    await wire.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const line = await until('the idle-timeout close', () => server.lines().find((l) => l.includes('closed: idle-timeout')));
    const finAt = await wire.ended();
    const respondedAt = wire.events.find((e) => e.kind === 'recv')!.at;
    expect(wire.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(line).toMatch(/closed: idle-timeout after 1 response/);
    // The FIN came from the idle timer: not before 0.3 s of silence (a little timer slack allowed).
    expect(finAt - respondedAt).toBeGreaterThanOrEqual(290);
    expect(finAt - respondedAt).toBeLessThan(5000);
  });

  it('get --pipeline 3 sends the later requests on the same connection', async () => {
    const server = serve();
    const { url } = await server.listening();
    const { code, stdout } = await cli('http', 'get', `${url}/p`, '--pipeline', '3', '--timing');
    expect(code).toBe(0);
    const requests = requestLines(stdout);
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((l) => /connection #(\d+)/.exec(l)![1])).size).toBe(1);
    // The client pipelines only once the connection is known to persist: after the first response.
    expect(requests.slice(1).some((l) => l.includes('pipelined'))).toBe(true);
  });

  it('reports a refused connection in one line naming host:port, exit code 1', async () => {
    const server = serve();
    const { url } = await server.listening();
    await server.shutdown();
    const { code, stderr } = await cli('http', 'get', `${url}/`);
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(url.replace('http://', ''));
    expect(stderr).toContain('ECONNREFUSED');
  });

  it('the real bin serves until SIGTERM and exits 0', async () => {
    const child = track.spawned(['http', 'serve', '--port', '0', '--echo']);
    const first = await child.firstLine();
    expect(first).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    const get = await cli('http', 'get', `${first.slice('listening on '.length)}/`);
    expect(get.code).toBe(0);
    await until('the close line', () => child.lines().find((l) => l.includes('closed: client-close')));
    child.child.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
    expect(child.lines().at(-1)).toBe('stopped: every connection closed');
  });
});
