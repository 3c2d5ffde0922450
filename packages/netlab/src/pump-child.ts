// Entry point of the delay line's pump process, spawned by DelayLine inside
// the `wire` namespace. argv[2] is JSON: { ports: [a, b], aToB, bToA }. It
// opens a packet socket on both devices, says {"event":"ready"} on stdout,
// then pumps until its stdin closes.
import { writeSync } from 'node:fs';
import type { LinkShape } from './link-model.js';
import { captureLine } from './capture-tap.js';
import { runPump } from './pump.js';
import { dieWithParent, openPort, setRealtimePriority } from './raw-link.js';

interface PumpArgs {
  ports: [string, string];
  aToB: LinkShape;
  bToA: LinkShape;
  /** Write every forwarded frame to this pcap file (see capture-tap.ts). */
  capture?: string;
}

// If the parent is killed outright, its pipe closing also stops us; this is the belt to those braces.
dieWithParent();
const args = JSON.parse(process.argv[2] ?? '{}') as PumpArgs;
const a = openPort(args.ports[0]);
const b = openPort(args.ports[1]);
// A modest real-time priority: the pump sleeps almost all the time, but when a
// packet is due it must run now, not after a busy neighbour's time slice.
// Rootless it is refused (CAP_SYS_NICE counts only on the host), and the line still works.
const realtime = setRealtimePriority(10);
writeSync(1, `${JSON.stringify({ event: 'ready', ports: args.ports, realtime })}\n`);
const capture = args.capture === undefined ? undefined : captureLine(args.capture);
runPump({ a, b, aToB: args.aToB, bToA: args.bToA, controlFd: 0, replyFd: 1, ...(capture ? { tap: capture.tap } : {}) });
capture?.close();
process.exit(0);
