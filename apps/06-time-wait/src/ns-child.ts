// Runs inside the private namespace: waits for { type: 'run', options },
// runs the cycles there and sends { type: 'result', result } back, until told to stop.
import { nextFromParent, sendToParent } from '@connlab/netns';
import { runCycles } from './cycles.js';
import type { CyclesOptions } from './cycles.js';

type Command = { type: 'run'; options: CyclesOptions } | { type: 'stop' };

for (;;) {
  const command = (await nextFromParent((m) => ['run', 'stop'].includes((m as { type?: string }).type ?? ''))) as Command;
  if (command.type === 'stop') break;
  sendToParent({ type: 'result', result: await runCycles(command.options) });
}
process.disconnect();
