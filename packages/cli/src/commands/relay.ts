// connlab relay: a fault-injecting TCP relay (@connlab/netlab's FaultRelay)
// between a client and a server: added latency and jitter, a bandwidth cap,
// a reset after N bytes. It terminates TCP on both sides, so the kernel's own
// handshake and retransmissions stay loopback's; only the byte stream is shaped.
import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError } from '@connlab/lab';
import { FaultRelay } from '@connlab/netlab';
import type { Direction, FaultSpec } from '@connlab/netlab';
import { examples } from '../help.js';
import type { CliIo } from '../io.js';
import { hostPort, say } from '../io.js';
import type { HostPort } from '../parsers.js';
import { parseByteCount, parseDuration, parseHostPort, parseListenPort, parseRate } from '../parsers.js';
import { serveUntilStopped } from '../serve.js';

type DirectionChoice = Direction | 'both';

interface RelayCliOptions {
  to: HostPort;
  host: string;
  listen: number;
  latency?: number;
  jitter?: number;
  bandwidth?: number;
  resetAfter?: number;
  forgetIdle?: number;
  direction: DirectionChoice;
}

/**
 * The faults the options ask for, one per direction they apply to.
 *
 * @example
 * ```ts
 * relayFaults({ latency: 50, direction: 'both' }); // two latency faults, upstream and downstream
 * ```
 */
export function relayFaults(
  options: Pick<RelayCliOptions, 'latency' | 'jitter' | 'bandwidth' | 'resetAfter' | 'forgetIdle' | 'direction'>,
): FaultSpec[] {
  if (options.jitter !== undefined && options.latency === undefined)
    throw new UsageError('connlab relay: --jitter needs --latency (jitter varies the added delay)');
  const directions: Direction[] = options.direction === 'both' ? ['upstream', 'downstream'] : [options.direction];
  const faults: FaultSpec[] = [];
  for (const direction of directions) {
    if (options.latency !== undefined)
      faults.push({
        type: 'latency',
        direction,
        ms: options.latency,
        ...(options.jitter === undefined ? {} : { jitterMs: options.jitter }),
      });
    if (options.bandwidth !== undefined) faults.push({ type: 'bandwidth', direction, bytesPerSecond: options.bandwidth });
    if (options.resetAfter !== undefined) faults.push({ type: 'reset', direction, afterBytes: options.resetAfter });
  }
  // A connection is idle only when neither way carries bytes: one fault for both.
  if (options.forgetIdle !== undefined) faults.push({ type: 'forget-idle', ms: options.forgetIdle });
  return faults;
}

/** What the relay does to traffic, in words, for its second line. */
export function describeFaults(
  options: Pick<RelayCliOptions, 'latency' | 'jitter' | 'bandwidth' | 'resetAfter' | 'forgetIdle' | 'direction'>,
): string {
  const where = options.direction === 'both' ? 'each way' : options.direction === 'upstream' ? 'client → server' : 'server → client';
  const parts: string[] = [];
  if (options.latency !== undefined) {
    const jitter = options.jitter === undefined ? '' : ` ± ${options.jitter} ms`;
    const rtt = options.direction === 'both' ? ` (round trip +${2 * options.latency} ms)` : '';
    parts.push(`latency ${options.latency} ms${jitter} ${where}${rtt}`);
  }
  if (options.bandwidth !== undefined)
    parts.push(`bandwidth ${si(options.bandwidth, 'B/s')} = ${si(options.bandwidth * 8, 'bit/s')} ${where}`);
  if (options.resetAfter !== undefined) parts.push(`reset (RST) after ${options.resetAfter} bytes ${where}`);
  if (options.forgetIdle !== undefined)
    parts.push(`a connection idle ${options.forgetIdle} ms is forgotten: its bytes are swallowed from then on`);
  return parts.length ? parts.join(', ') : 'no faults: bytes pass as they come';
}

/** 125000 B/s → "125 kB/s", 1e6 bit/s → "1 Mbit/s" (SI prefixes, as link rates are quoted). */
function si(value: number, unit: string): string {
  const [scale, prefix] = value >= 1e9 ? [1e9, 'G'] : value >= 1e6 ? [1e6, 'M'] : value >= 1e3 ? [1e3, 'k'] : [1, ''];
  return `${+(value / scale).toFixed(2)} ${prefix}${unit}`;
}

async function relay(io: CliIo, options: RelayCliOptions): Promise<void> {
  const faults = relayFaults(options);
  const target = hostPort(options.to.host, options.to.port);
  const relay = await FaultRelay.start({ target: options.to, host: options.host, port: options.listen, faults });
  relay.on('connection', (id: number) => {
    const info = relay.connections().find((c) => c.id === id);
    say(io, `#${id} open from ${info?.client ?? '?'}, connecting to ${target}`);
  });
  relay.on('reset', (id: number, reason: string) => say(io, `#${id} reset both sides: ${reason}`));
  relay.on('connectionClosed', (id: number) => say(io, `#${id} closed`));
  await serveUntilStopped(
    io,
    `listening on ${hostPort(relay.host, relay.port)}`,
    async () => {
      await relay.close();
      return 'stopped: every relayed connection closed';
    },
    [`forwarding to ${target}: ${describeFaults(options)}`],
  );
}

/** Add `connlab relay`. */
export function registerRelay(program: Command, io: CliIo): void {
  const cmd = program
    .command('relay')
    .description('a TCP relay that adds latency, jitter, a bandwidth cap, a reset or an idle timeout between a client and a server')
    .addOption(new Option('--to <host:port>', 'the server to forward to').argParser(parseHostPort).makeOptionMandatory())
    .addOption(new Option('--listen <port>', 'port to listen on; 0 lets the kernel pick one').default(0).argParser(parseListenPort))
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .addOption(new Option('--latency <ms>', 'hold every chunk this long before passing it on').argParser(parseDuration))
    .addOption(new Option('--jitter <ms>', 'vary the latency by up to ± this much (order is kept)').argParser(parseDuration))
    .addOption(
      new Option('--bandwidth <rate>', 'pace bytes like a link of this rate: 1mbit, 512kbit, 100kB, 2MiB (per second)').argParser(
        parseRate,
      ),
    )
    .addOption(
      new Option('--reset-after <bytes>', 'after this many bytes, reset both connections (RST): 1000, 64kB').argParser(parseByteCount),
    )
    .addOption(
      new Option(
        '--forget-idle <ms>',
        "like a load balancer's idle timeout: after this long with no bytes either way, silently swallow the connection's bytes",
      ).argParser(parseDuration),
    )
    .addOption(
      new Option('--direction <which>', 'which way the faults apply: upstream is client → server')
        .choices(['both', 'upstream', 'downstream'])
        .default('both'),
    )
    .action((options: RelayCliOptions) => relay(io, options));
  examples(
    cmd,
    [
      'connlab relay --to 127.0.0.1:8080 --listen 9090 --latency 50',
      'connlab relay --to 127.0.0.1:8080 --latency 100 --jitter 20 --bandwidth 1mbit',
      'connlab relay --to 127.0.0.1:8080 --reset-after 100 --direction downstream',
      'connlab relay --to 127.0.0.1:8080 --forget-idle 5000',
    ],
    [
      "The relay ends the client's TCP connection and opens its own to the server, so",
      "handshakes and retransmissions stay loopback's; it shapes the byte stream only.",
      'The first line is the listening address; point a client at it, e.g.',
      '  connlab http get http://127.0.0.1:9090/ --timing --repeat 3',
    ],
  );
}
