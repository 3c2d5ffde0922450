// The namespace side of captureIn(): capture one interface until the parent says stop.
// argv: iface pcapPath snapLength.
import { nextFromParent, sendToParent } from '@connlab/netns';
import { writePcapFile } from './file.js';
import { startCapture } from './live.js';
import type { CaptureChildMessage } from './namespace-capture.js';

const [iface, path, snap] = process.argv.slice(2);
const say = (m: CaptureChildMessage): void => sendToParent(m);

try {
  const capture = startCapture(iface!, { snapLength: Number(snap) });
  say({ type: 'capturing' });
  await nextFromParent((m) => (m as { type?: unknown }).type === 'stop');
  const file = capture.stop();
  await writePcapFile(path!, file);
  say({ type: 'captured', packets: file.packets.length, dropped: file.dropped });
} catch (error) {
  say({ type: 'capture-failed', message: error instanceof Error ? error.message : String(error) });
}
process.disconnect();
