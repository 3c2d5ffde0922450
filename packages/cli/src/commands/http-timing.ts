// Per-request phase bars for `connlab http get --timing`, in the spirit of
// httpstat and curl -w: where one request's time went, drawn to one scale so
// a reused connection (no connect bar) is visibly shorter than a new one.
import type { ClientResponse, TimingPhase } from '@connlab/http';
import { bar, formatMs } from '@connlab/lab';

/** What each phase the client reports stands for. */
// Partial: a phase added to the client later still draws, with its bare name.
export const PHASE_MEANING: Readonly<Partial<Record<TimingPhase['phase'], string>>> = {
  queued: 'waiting for a free connection',
  connect: 'TCP handshake (SYN, SYN-ACK, ACK)',
  send: 'writing the request',
  blocked: 'behind earlier pipelined responses',
  wait: 'server time + one round trip, to the first byte',
  receive: 'the rest of the response',
  'failed-attempt': 'a first try that the server closed without answering',
};

const BAR_WIDTH = 40;
/** Width of the phase-name column: the longest name, 'failed-attempt'. */
const NAME_WIDTH = 14;

/** One line saying where a response travelled: which connection, new or reused, pipelined, retried. */
export function connectionNote(res: ClientResponse): string {
  const parts = [`connection #${res.connectionId}`];
  parts.push(res.reused ? `reused (request ${res.indexOnConnection} on it)` : 'new');
  if (res.pipelined) parts.push('pipelined');
  if (res.attempts > 1) parts.push(`retried after ${res.retriedAfter ?? 'a failure'}`);
  if (!res.keepAlive) parts.push('closed after it');
  return parts.join(', ');
}

/**
 * Bars for one response's phases, each starting where it started within the
 * request; `scaleMs` is the time the full bar width stands for.
 *
 * @example
 * ```ts
 * phaseBars(res, Math.max(...responses.map((r) => r.timing.totalMs)));
 * // ['  connect   0.31 ms  │███▌        │', ...]
 * ```
 */
export function phaseBars(res: ClientResponse, scaleMs: number, width = BAR_WIDTH): string[] {
  const { timing } = res;
  // A zero-length phase (nothing was queued, nothing blocked) says nothing: leave it out.
  return timing.phases
    .filter((p) => p.end - p.start >= 0.001)
    .map((p) => {
      const offset = Math.min(width - 1, Math.floor(((p.start - timing.start) / scaleMs) * width));
      const drawn = bar(p.end - p.start, scaleMs, width) || '▏';
      const cells = (' '.repeat(offset) + drawn).slice(0, width).padEnd(width);
      return `  ${p.phase.padEnd(NAME_WIDTH)} ${formatMs(p.end - p.start).padStart(9)}  │${cells}│`;
    });
}

/** The legend printed once above the bars: only the phases that occur. */
export function phaseLegend(responses: readonly ClientResponse[]): string[] {
  const seen = new Set(responses.flatMap((r) => r.timing.phases.map((p) => p.phase)));
  return [...seen].map((phase) => `  ${phase}: ${PHASE_MEANING[phase] ?? phase}`);
}
