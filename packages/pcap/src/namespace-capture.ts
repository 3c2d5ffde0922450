// Capture one interface of a lab namespace from the parent process: a small
// child inside the namespace holds the AF_PACKET socket (a socket belongs to
// the namespace of the process that opens it) until it is told to stop.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Namespace } from '@connlab/netns';
import { readPcapFile } from './file.js';
import type { PcapFile } from './file.js';

/** What the capture child reports. */
export type CaptureChildMessage =
  { type: 'capturing' } | { type: 'captured'; packets: number; dropped: number } | { type: 'capture-failed'; message: string };

const isType =
  <T extends CaptureChildMessage['type']>(...types: T[]) =>
  (m: unknown): m is Extract<CaptureChildMessage, { type: T }> =>
    types.includes((m as { type?: T } | null)?.type as T);

/** A running capture in a namespace; {@link NamespaceCapture.stop} ends it and reads the file. */
export interface NamespaceCapture {
  stop(): Promise<PcapFile & { dropped: number; path: string | undefined }>;
}

/**
 * Start capturing `iface` inside `ns` (e.g. the client's veth end) and resolve
 * once packets are being recorded. The file goes to `pcapPath`, or to a
 * temporary file that `stop()` reads back and deletes.
 *
 * @example
 * ```ts
 * const capture = await captureIn(lab.ns('client'), lab.link('client', 'peer').a.device);
 * // … the experiment …
 * const { packets, linkType } = await capture.stop();
 * ```
 */
export async function captureIn(
  ns: Namespace,
  iface: string,
  options: { pcapPath?: string; snapLength?: number } = {},
): Promise<NamespaceCapture> {
  const dir = options.pcapPath ? undefined : await mkdtemp(join(tmpdir(), 'connlab-capture-'));
  const path = options.pcapPath ?? join(dir!, 'capture.pcap');
  const child = ns.spawnNode(new URL('./namespace-capture-child.ts', import.meta.url), [iface, path, String(options.snapLength ?? 256)]);
  const started = await child.nextMessage(isType('capturing', 'capture-failed'), 30_000);
  if (started.type === 'capture-failed') throw new Error(`capture of ${iface} in ${ns.name}: ${started.message}`);
  return {
    async stop() {
      try {
        child.send({ type: 'stop' });
        const done = await child.nextMessage(isType('captured', 'capture-failed'), 30_000);
        if (done.type === 'capture-failed') throw new Error(`capture of ${iface} in ${ns.name}: ${done.message}`);
        return { ...(await readPcapFile(path)), dropped: done.dropped, path: options.pcapPath };
      } finally {
        await child.kill();
        if (dir) await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
