// connlab trace FILE.pcap: any pcap file (ours, or one tcpdump wrote) as
// tcpdump-style lines, each with a one-phrase annotation, or as JSON.
import type { Command } from 'commander';
import { annotate, formatTrace, readPcapFile, tcpSegments, traceLineJson } from '@connlab/pcap';
import { examples } from '../help.js';
import type { CliIo } from '../io.js';
import { plural, say } from '../io.js';
import { wholeNumber } from '../parsers.js';

interface TraceOptions {
  json?: true;
  connection?: number;
}

const linkNames: Record<number, string> = {
  0: 'BSD loopback',
  1: 'Ethernet',
  101: 'raw IP',
  108: 'OpenBSD loopback',
  113: 'Linux cooked',
  276: 'Linux cooked v2',
};

async function trace(io: CliIo, file: string, options: TraceOptions): Promise<void> {
  const pcap = await readPcapFile(file);
  const segments = tcpSegments(pcap.linkType, pcap.packets);
  const all = annotate(segments);
  const lines = options.connection === undefined ? all : all.filter((l) => l.connection === options.connection);
  const connections = new Set(all.map((l) => l.connection)).size;
  const origin = lines[0]?.timeMs ?? 0;
  if (options.json) {
    say(
      io,
      JSON.stringify(
        {
          file,
          linkType: pcap.linkType,
          packets: pcap.packets.length,
          tcpSegments: segments.length,
          connections,
          segments: lines.map((l) => traceLineJson(l, origin)),
        },
        null,
        2,
      ),
    );
    return;
  }
  say(
    io,
    `${file}: ${plural(pcap.packets.length, 'packet')} (${linkNames[pcap.linkType] ?? `link type ${pcap.linkType}`}), ${plural(segments.length, 'TCP segment')} in ${plural(connections, 'connection')}; times in ms from the first segment shown`,
  );
  if (lines.length > 0) say(io, '', ...formatTrace(lines, { originMs: origin }));
}

/** Add `connlab trace`. */
export function registerTrace(program: Command, io: CliIo): void {
  const cmd = program
    .command('trace')
    .description("print a pcap file (ours or tcpdump's) as tcpdump-style lines, each with what the segment does")
    .argument('<file>', 'a pcap file (tcpdump -w writes one; pcapng is not read)')
    .option('--json', 'print the segments as JSON')
    .option('--connection <n>', 'only this connection (numbered from 0 in order of appearance)', wholeNumber(0))
    .action((file: string, options: TraceOptions) => trace(io, file, options));
  examples(
    cmd,
    [
      'connlab trace capture/05-nagle.pcap',
      'connlab trace lo.pcap --connection 0 --json   # lo.pcap from: sudo tcpdump -i lo -w lo.pcap port 8080',
    ],
    ['A file that is not pcap, or is cut short, is one error line and exit code 1.'],
  );
}
