// The namespace side of runCaptured(): capture, run the experiment, write the pcap, report.
// argv: moduleUrl exportName pcapPath iface snapLength; the arguments arrive over IPC.
import { nextFromParent, sendToParent } from '@connlab/netns';
import { sleep } from '@connlab/lab';
import { writePcapFile } from './file.js';
import { startCapture } from './live.js';
import type { ChildDone, ChildFailed } from './captured-run.js';

const [moduleUrl, exportName, pcapPath, iface, snap] = process.argv.slice(2);

async function main(): Promise<void> {
  const { args } = (await nextFromParent((m) => (m as { type?: unknown }).type === 'captured-run-args')) as { args: unknown };
  const capture = startCapture(iface!, { snapLength: Number(snap) });
  let result: unknown;
  let finished = false;
  try {
    const fn = ((await import(moduleUrl!)) as Record<string, (a: unknown) => Promise<unknown>>)[exportName!];
    if (typeof fn !== 'function') throw new TypeError(`${moduleUrl!} has no exported function ${exportName!}`);
    result = await fn(args);
    finished = true;
    // The last ACKs and FINs are still on their way; loopback delivers within microseconds.
    await sleep(20);
  } finally {
    const file = capture.stop();
    await writePcapFile(pcapPath!, file);
    const done: ChildDone = { type: 'captured-run-done', result, packets: file.packets.length, dropped: file.dropped };
    if (finished) sendToParent(done);
  }
}

main().then(
  () => process.disconnect(),
  (error: unknown) => {
    const failed: ChildFailed = {
      type: 'captured-run-failed',
      message: error instanceof Error ? error.message : String(error),
      code: typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined,
    };
    sendToParent(failed);
    process.disconnect();
  },
);
