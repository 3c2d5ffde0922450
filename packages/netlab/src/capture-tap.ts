// The delay line's capture: every frame the pump forwards, written to a pcap
// file as the client's end of the line sees it, like tcpdump on its device.
// Client → server frames are recorded when they enter the line (a frame the
// line then loses was still sent); server → client frames when they leave it
// for the client (a frame the line lost never arrived). Frames still on their
// way are held here so the file stays in time order.
import { LINKTYPE, PcapFileWriter } from '@connlab/pcap';
import { nowMs } from './pump.js';
import type { FrameTap } from './pump.js';

export interface LineCapture {
  tap: FrameTap;
  /** Write the frames still in flight and close the file. */
  close(): void;
  readonly path: string;
}

/** Open `path` and return the tap for the pump (see {@link FrameTap}). */
export function captureLine(path: string): LineCapture {
  // Headers and the start of each payload: every segment stays readable, and the pump writes little per frame.
  const out = new PcapFileWriter(path, LINKTYPE.ETHERNET, 256);
  // The pump's clock is hrtime; the file's is the wall clock.
  const toEpochMs = performance.timeOrigin + performance.now() - nowMs();
  const inFlight: { dueMs: number; frame: Buffer }[] = [];
  const write = (atMs: number, frame: Buffer): void => {
    out.write({ timestampUs: Math.round((atMs + toEpochMs) * 1000), data: frame, length: frame.length });
  };
  const release = (untilMs: number): void => {
    while (inFlight.length > 0 && inFlight[0]!.dueMs <= untilMs) {
      const { dueMs, frame } = inFlight.shift()!;
      write(dueMs, frame);
    }
  };
  return {
    path,
    tap: (direction, frame, arrivedMs, dueMs) => {
      release(arrivedMs);
      if (direction === 'aToB') {
        write(arrivedMs, frame);
      } else if (dueMs !== undefined) {
        // Jitter can reorder departures: keep the list sorted by departure time.
        let i = inFlight.length;
        while (i > 0 && inFlight[i - 1]!.dueMs > dueMs) i--;
        inFlight.splice(i, 0, { dueMs, frame });
      }
    },
    close: () => {
      release(Infinity);
      out.close();
    },
  };
}
