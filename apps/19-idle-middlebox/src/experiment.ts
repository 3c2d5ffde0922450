// Middleboxes that forget idle flows.
//
// The delay line plays a NAT or stateful firewall between client and server:
// it knows each TCP flow from its SYN on and forgets one that stayed idle for
// longer than `forgetMs`, silently dropping its frames from then on. Four
// keep-alive connections sit idle for longer than that and then send a
// request: one relying on HTTP keep-alive alone, one with TCP_USER_TIMEOUT so
// the loss is at least detected, one with TCP keepalive probes more often
// than `forgetMs`, one with an application heartbeat.
import { DelayLine, delayLineUnavailable } from '@connlab/netlab';
import { isReply } from './messages.js';
import type { CaseResult, CaseSpec, Keeper } from './messages.js';

export type { CaseResult, Keeper } from './messages.js';

export const KEEPERS: readonly Keeper[] = ['http-keep-alive', 'user-timeout', 'tcp-keepalive', 'heartbeat'];

export interface RunOptions {
  /** One-way delay of the line, ms. */
  delayMs: number;
  /** The middlebox forgets a flow idle this long, ms. */
  forgetMs: number;
  /** How long each connection stays idle (> forgetMs), ms. */
  idleMs: number;
  waitMs: number;
  /** TCP keepalive idle = interval (< forgetMs; whole seconds). */
  keepaliveMs: number;
  heartbeatMs: number;
  userTimeoutMs: number;
}

export interface RunResult {
  options: RunOptions;
  mode: 'root' | 'rootless';
  cases: CaseResult[];
  /** Frames the middlebox dropped as belonging to a forgotten flow, each way. */
  forgotten: { clientToServer: number; serverToClient: number };
}

export interface LessonRun {
  result?: RunResult;
  skipped?: string;
}

/** Everything on one delay line whose middle forgets idle flows. */
export async function runOnLine(o: RunOptions, progress: (what: string) => void = () => undefined): Promise<RunResult> {
  const shape = { delayMs: o.delayMs, forgetIdleMs: o.forgetMs };
  const line = await DelayLine.open({ delayMs: o.delayMs, clientToServer: shape, serverToClient: shape });
  try {
    const peer = new URL('./peer-child.ts', import.meta.url);
    const server = line.spawnNode('server', peer, ['server']);
    const client = line.spawnNode('client', peer, ['client']);
    const { port } = (await server.nextMessage((m) => (m as { type?: string }).type === 'listening', 20_000)) as { port: number };
    progress(
      `${KEEPERS.length} keep-alive connections idle ${o.idleMs / 1000} s behind a middlebox that forgets flows idle > ${o.forgetMs / 1000} s`,
    );
    const cases: CaseSpec[] = KEEPERS.map((keeper) => ({
      keeper,
      idleMs: o.idleMs,
      waitMs: o.waitMs,
      keepaliveMs: o.keepaliveMs,
      heartbeatMs: o.heartbeatMs,
      userTimeoutMs: o.userTimeoutMs,
    }));
    client.send({ type: 'run', host: line.server.address, port, cases });
    const reply = await client.nextMessage(isReply, o.idleMs + 3 * o.waitMs + 30_000);
    if (reply.type === 'failed') throw new Error(`the client failed: ${reply.message}`);
    const stats = await line.stats();
    server.send({ type: 'stop' });
    client.send({ type: 'stop' });
    return {
      options: o,
      mode: line.mode,
      cases: reply.results,
      forgotten: { clientToServer: stats.clientToServer.forgotten, serverToClient: stats.serverToClient.forgotten },
    };
  } finally {
    await line.close();
  }
}

/** The whole lesson, or the one-line reason it cannot run here. */
export async function run(o: RunOptions, progress: (what: string) => void = () => undefined): Promise<LessonRun> {
  const why = delayLineUnavailable();
  if (why) return { skipped: `skipped: the forgetting middlebox is in the delay line, which needs network namespaces: ${why}` };
  return { result: await runOnLine(o, progress) };
}
