// Helpers for the code that runs inside a namespace child.

/**
 * Send a message to the parent that spawned this process with
 * {@link Namespace.spawnNode}. Throws when there is no IPC channel
 * (the script was started some other way).
 *
 * @example
 * ```ts
 * server.listen(0, () => sendToParent({ type: 'ready', port: server.address().port }));
 * ```
 */
export function sendToParent(message: unknown): void {
  if (!process.send) throw new Error('sendToParent: this process has no IPC channel; start it with Namespace.spawnNode');
  process.send(message);
}

/**
 * Resolve with the next message from the parent that `match` accepts.
 *
 * @example
 * ```ts
 * await nextFromParent((m) => (m as { type?: string }).type === 'go');
 * ```
 */
export function nextFromParent(match: (message: unknown) => boolean = () => true): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown): void => {
      if (!match(message)) return;
      process.off('message', onMessage);
      resolve(message);
    };
    process.on('message', onMessage);
  });
}

/** True when this process was started with an IPC channel (by spawnNode). */
export function hasParent(): boolean {
  return typeof process.send === 'function';
}

/**
 * Answer the parent's commands one at a time until it sends `{ type: 'stop' }`:
 * each command's answer goes back with sendToParent, and a command that throws
 * is answered with `{ type: 'failed', message }` instead of killing the child.
 *
 * @example
 * ```ts
 * await answerParent(async (c: { type: 'run'; n: number }) => ({ type: 'result', value: await work(c.n) }));
 * process.disconnect();
 * ```
 */
export async function answerParent(answer: (command: never) => Promise<unknown>): Promise<void> {
  for (;;) {
    const command = (await nextFromParent(() => true)) as { type?: string };
    if (command.type === 'stop') return;
    try {
      // The handler names the commands it takes; the parent is trusted to send only those.
      sendToParent(await answer(command as never));
    } catch (error) {
      sendToParent({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  }
}
