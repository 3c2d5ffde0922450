// Run an experiment inside a throwaway network namespace with its loopback
// captured, so packets that would be invisible (or mixed with everyone
// else's) on the host's lo are recorded for this run alone. Without
// namespaces the experiment runs in this process, as before, uncaptured.
import { PcapError } from './errors.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netnsUnavailableReason, withNamespaces } from '@connlab/netns';
import type { Check } from '@connlab/lab';
import { annotate } from './annotate.js';
import type { TraceLine } from './annotate.js';
import { tcpSegments } from './decode.js';
import { readPcapFile } from './file.js';
import type { PcapFile } from './file.js';

/** What the child sends back when the experiment is done. */
export interface ChildDone {
  type: 'captured-run-done';
  result: unknown;
  packets: number;
  dropped: number;
}

/** What the child sends back when the experiment threw. */
export interface ChildFailed {
  type: 'captured-run-failed';
  message: string;
  code: string | undefined;
}

export interface CapturedRunOptions {
  /** Write the pcap here (kept); default: a temporary file, read back and deleted. */
  pcapPath?: string;
  /** Interface to capture inside the namespace (default `lo`). */
  iface?: string;
  /** Bytes kept per packet (default 256). */
  snapLength?: number;
  /** Give up after this long (default 120 s). */
  timeoutMs?: number;
}

export interface CapturedRun<T> {
  result: T;
  /** The capture, or undefined when the experiment ran on the host (no namespaces here). */
  capture: (PcapFile & { dropped: number; path: string | undefined }) | undefined;
  /** Why there is no capture (the one-line reason namespaces are unavailable). */
  uncaptured?: string;
}

/** An error from inside the namespace child, with the experiment's own code. */
export class CapturedRunError extends PcapError {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'CapturedRunError';
  }
}

function isReply(message: unknown): message is ChildDone | ChildFailed {
  const type = (message as { type?: unknown } | null)?.type;
  return type === 'captured-run-done' || type === 'captured-run-failed';
}

/**
 * Call `module[exportName](args)` inside a new network namespace while
 * capturing its loopback (or `iface`), and return the function's result with
 * the packets. The result and `args` cross a process boundary as JSON, so
 * keep them plain data. Without namespaces (not Linux, no root, no user
 * namespaces) the function runs here and `capture` is undefined.
 *
 * @example
 * ```ts
 * const { result, capture } = await runCaptured<RunResult>(new URL('./experiment.ts', import.meta.url), 'run', { requests: 20 });
 * ```
 */
export async function runCaptured<T>(
  module: URL,
  exportName: string,
  args: unknown,
  options: CapturedRunOptions = {},
): Promise<CapturedRun<T>> {
  const reason = netnsUnavailableReason();
  if (reason) {
    const fn = ((await import(module.href)) as Record<string, (a: unknown) => Promise<T>>)[exportName];
    if (typeof fn !== 'function') throw new TypeError(`${module.href} has no exported function ${exportName}`);
    return { result: await fn(args), capture: undefined, uncaptured: reason };
  }
  const dir = options.pcapPath ? undefined : await mkdtemp(join(tmpdir(), 'connlab-capture-'));
  const path = options.pcapPath ?? join(dir!, 'capture.pcap');
  try {
    const reply = await withNamespaces({ namespaces: ['capture'] }, async (lab) => {
      const child = lab
        .ns('capture')
        .spawnNode(new URL('./captured-run-child.ts', import.meta.url), [
          module.href,
          exportName,
          path,
          options.iface ?? 'lo',
          String(options.snapLength ?? 256),
        ]);
      child.send({ type: 'captured-run-args', args });
      return child.nextMessage(isReply, options.timeoutMs ?? 120_000);
    });
    if (reply.type === 'captured-run-failed') throw new CapturedRunError(reply.message, reply.code ?? 'CAPTURED_RUN_FAILED');
    const file = await readPcapFile(path);
    return { result: reply.result as T, capture: { ...file, dropped: reply.dropped, path: options.pcapPath } };
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/** The packets of a run as a lesson uses them: annotated lines, or why there are none. */
export type WireEvidence =
  | { captured: true; lines: TraceLine[]; packets: number; dropped: number; path: string | undefined }
  | { captured: false; uncaptured: string };

/** Annotate a captured run's packets (or carry the reason it was not captured). */
export function wireEvidence(run: CapturedRun<unknown>): WireEvidence {
  if (!run.capture) return { captured: false, uncaptured: run.uncaptured ?? 'not captured' };
  const { capture } = run;
  return {
    captured: true,
    lines: annotate(tcpSegments(capture.linkType, capture.packets)),
    packets: capture.packets.length,
    dropped: capture.dropped,
    path: capture.path,
  };
}

/**
 * The packet checks a lesson can stand on. From a complete capture, all of
 * them. From one that lost packets, only those that passed: a segment missing
 * from the file may be one the capture dropped, so a failed check there says
 * nothing about TCP, and it is reported as skipped instead.
 */
export function trustedChecks(evidence: WireEvidence | undefined, checks: readonly Check[]): { checks: Check[]; skipped?: string } {
  if (!evidence?.captured || evidence.dropped === 0) return { checks: [...checks] };
  const failed = checks.filter((c) => !c.passed);
  if (failed.length === 0) return { checks: [...checks] };
  return {
    checks: checks.filter((c) => c.passed),
    skipped: `skipped: ${failed.map((c) => `"${c.label}"`).join(', ')} (the capture lost ${evidence.dropped} packets; run as root, or raise net.core.rmem_max)`,
  };
}

/** A lesson's `skipped` line when its packets could not be captured: the reason, and how to enable it. */
export function skippedCapture(evidence: Extract<WireEvidence, { captured: false }>): string {
  return `skipped: the packet checks (no lab namespace to capture in: ${evidence.uncaptured})`;
}

/** One line saying where the packets came from, for a lesson's printout. */
export function describeEvidence(evidence: WireEvidence): string {
  if (!evidence.captured) return `Packets: not captured (${evidence.uncaptured}); the run used the host's loopback.`;
  const lost = evidence.dropped === 0 ? 'none lost' : `${evidence.dropped} LOST by the capture`;
  return `Packets: captured on the loopback of a lab namespace, ${evidence.packets} packets, ${lost}${evidence.path ? `; written to ${evidence.path}` : ''}.`;
}
