// Annotated segments as the lesson kit's ladder figure (the report draws it as SVG).
import type { LadderFigure } from '@connlab/lab';
import { flagLetters } from './decode.js';
import type { TraceLine } from './annotate.js';

export interface LadderOptions {
  /** Segments that carry the lesson's effect are drawn in the highlight colour. */
  highlight?: (line: TraceLine) => boolean;
}

/** The arrow label: flags, then the relative sequence range or the ack, as on a tcpdump line. */
function label(line: TraceLine): string {
  const s = line.segment;
  const flags = flagLetters(s.flags);
  if (line.kind === 'keepalive') return `${flags} ${line.seq} probe`;
  if (s.payloadLength > 0) return `${flags} ${line.seq}:${line.seq + s.payloadLength}`;
  if (s.flags.syn || s.flags.fin || s.flags.rst) return `${flags} ${line.seq}`;
  return line.ack === undefined ? flags : `${flags} ack ${line.ack}`;
}

/**
 * A ladder diagram of one connection's segments: client on the left, one
 * arrow per segment, the annotation beside it.
 *
 * @example
 * ```ts
 * ladderFigure('One stalled request', lines, { highlight: (l) => l.kind === 'delayed-ack' });
 * ```
 */
export function ladderFigure(title: string, lines: readonly TraceLine[], options: LadderOptions = {}): LadderFigure {
  return {
    kind: 'ladder',
    title,
    sides: ['client', 'server'],
    arrows: lines.map((l) => ({
      from: l.from === 'client' ? 0 : 1,
      atMs: l.timeMs,
      label: label(l),
      note: l.annotation,
      ...(options.highlight?.(l) ? { highlight: true } : {}),
    })),
  };
}

/** The lines of the connection whose client used `port` (its local port). */
export function connectionOf(lines: readonly TraceLine[], clientPort: number): TraceLine[] {
  const first = lines.find((l) => (l.from === 'client' ? l.segment.srcPort : l.segment.dstPort) === clientPort);
  return first === undefined ? [] : lines.filter((l) => l.connection === first.connection);
}
