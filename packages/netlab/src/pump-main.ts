// Entry point of the delay line's pump process (spawned by DelayLine, root only).
// argv[2] is JSON: { names: [a, b], aToB, bToA }. It creates both TUN devices,
// says {"event":"ready"} on stdout, then pumps until its stdin closes.
import { writeSync } from 'node:fs';
import type { LinkShape } from './link-model.js';
import { runPump } from './pump.js';
import { dieWithParent, openTun, setRealtimePriority } from './tun.js';

interface PumpArgs {
  names: [string, string];
  aToB: LinkShape;
  bToA: LinkShape;
}

// If the parent is killed outright, its pipe closing also stops us; this is the belt to those braces.
dieWithParent();
const args = JSON.parse(process.argv[2] ?? '{}') as PumpArgs;
const a = openTun(args.names[0]);
const b = openTun(args.names[1]);
// A modest real-time priority: the pump sleeps almost all the time, but when a
// packet is due it must run now, not after a busy neighbour's time slice.
const realtime = setRealtimePriority(10);
writeSync(1, `${JSON.stringify({ event: 'ready', names: args.names, realtime })}\n`);
runPump({ a, b, aToB: args.aToB, bToA: args.bToA, controlFd: 0, replyFd: 1 });
// Exiting closes both fds, and with them both devices.
process.exit(0);
