// Test fixture: open a delay line, report what was made, then die the way argv[2] says.
import { DelayLine } from '../src/delay-line.js';

const how = process.argv[2];
const line = await DelayLine.open({ delayMs: 5 });
process.stdout.write(
  `${JSON.stringify({ pump: line.pumpPid, holder: line.holderPid ?? null, namespaces: [line.client.ns.name, line.server.ns.name] })}\n`,
);
if (how === 'throw') {
  setTimeout(() => {
    throw new Error('injected failure while the delay line is open');
  }, 10);
} else {
  // Wait to be SIGKILLed.
  setInterval(() => undefined, 1000);
}
