// Runs inside the lesson's private namespace: waits for a command, runs that
// part there (its own loopback, counters and sysctls) and sends the result back.
import { nextFromParent, sendToParent } from '@connlab/netns';
import { runAbort, runOverflow } from './queue.js';
import type { AbortOptions, OverflowOptions } from './queue.js';

type Command = { type: 'overflow'; options: OverflowOptions } | { type: 'abort'; options: AbortOptions } | { type: 'stop' };

for (;;) {
  const command = (await nextFromParent((m) => ['overflow', 'abort', 'stop'].includes((m as { type?: string }).type ?? ''))) as Command;
  if (command.type === 'stop') break;
  const result = command.type === 'overflow' ? await runOverflow(command.options) : await runAbort(command.options);
  sendToParent({ type: 'result', result });
}
process.disconnect();
