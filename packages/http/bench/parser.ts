// Parser alone: ns per request for our parser and node's llhttp (through its
// internal binding, as node:http drives it), on the same bytes in one run.
import { HttpParser } from '../src/parser/parser.js';

// CPU time of this process (user + system), in ns: steadier than wall time on a shared machine.
const cpuNs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

const SMALL = 'GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n';
const BROWSER =
  'GET /static/app.js?v=3 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\r\n' +
  'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\n' +
  'Accept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\nCookie: session=abc123; theme=dark\r\nCache-Control: max-age=0\r\n\r\n';

interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  execute(buf: Buffer): number | Error;
  [key: number]: unknown;
}
interface LlhttpBinding {
  HTTPParser: (new () => LlhttpParser) & { REQUEST: number; kOnHeadersComplete: number; kOnMessageComplete: number; kOnBody: number };
}

function ours(batch: Buffer, perBatch: number, rounds: number): number {
  let n = 0;
  const parser = new HttpParser(
    { type: 'request' },
    {
      onComplete: () => {
        n++;
      },
    },
  );
  const t0 = cpuNs();
  for (let r = 0; r < rounds; r++) parser.execute(batch);
  const ns = cpuNs() - t0;
  if (n !== perBatch * rounds) throw new Error(`ours parsed ${n}`);
  return ns / n;
}

function llhttp(batch: Buffer, perBatch: number, rounds: number): number | null {
  let binding: LlhttpBinding;
  try {
    // Deprecated but still present in node 20; node:http uses the same parser.
    process.noDeprecation = true;
    binding = (process as unknown as { binding(name: string): LlhttpBinding }).binding('http_parser');
  } catch {
    return null;
  }
  const { HTTPParser } = binding;
  const p = new HTTPParser();
  p.initialize(HTTPParser.REQUEST, {});
  let n = 0;
  p[HTTPParser.kOnHeadersComplete] = (): number => 0;
  p[HTTPParser.kOnBody] = (): void => undefined;
  p[HTTPParser.kOnMessageComplete] = (): void => {
    n++;
  };
  const t0 = cpuNs();
  for (let r = 0; r < rounds; r++) p.execute(batch);
  const ns = cpuNs() - t0;
  if (n !== perBatch * rounds) throw new Error(`llhttp parsed ${n}`);
  return ns / n;
}

/** ns per request for both parsers on `request` fed `perBatch` at a time (1 = keep-alive, 10 = pipelined). */
export function parserBench(request: string, perBatch: number): { ours: number; llhttp: number | null } {
  const batch = Buffer.from(request.repeat(perBatch), 'latin1');
  const rounds = Math.ceil(200_000 / perBatch);
  ours(batch, perBatch, rounds); // warm up the JIT
  llhttp(batch, perBatch, rounds);
  return { ours: ours(batch, perBatch, rounds), llhttp: llhttp(batch, perBatch, rounds) };
}

export const PARSER_CASES: [string, string, number][] = [
  ['wrk request, one per read', SMALL, 1],
  ['wrk request, 10 per read', SMALL, 10],
  ['browser request (9 fields), one per read', BROWSER, 1],
];
