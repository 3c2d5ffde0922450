import { execFile, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { until } from '@connlab/lab';
import {
  NetnsSpecError,
  listNamespaces,
  netnsAvailability,
  netnsUnavailableReason,
  sweepStaleNamespaces,
  trackedNamespaces,
  withNamespaces,
} from '../src/index.js';

const run = promisify(execFile);
const reason = netnsUnavailableReason();
const rootOnly = it.skipIf(reason !== undefined);
if (reason) console.warn(`netns tests skipped: ${reason}`);

const peer = new URL('./fixtures/peer-child.ts', import.meta.url);
const tsx = createRequire(import.meta.url).resolve('tsx');
const isListening = (m: unknown): m is { type: 'listening'; port: number } => (m as { type?: string }).type === 'listening';
const isEchoed = (m: unknown): m is { type: 'echoed'; echoed: string } => (m as { type?: string }).type === 'echoed';

const { mode } = netnsAvailability();
const rootMode = it.skipIf(mode !== 'root');
const rootlessMode = it.skipIf(mode !== 'rootless');

// Root: our namespaces on the host's list. Rootless they are never on it (they
// live in the holder's private /run), so what this process still tracks.
async function ours(): Promise<string[]> {
  if (mode === 'rootless') return trackedNamespaces();
  return (await listNamespaces()).filter((n) => n.startsWith(`cl-${process.pid}-`));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves true once `pid` has exited; a WaitTimeoutError naming it after 5 s. */
function waitGone(pid: number): Promise<boolean> {
  return until(`process ${pid} to exit`, () => (alive(pid) ? undefined : true), 5_000);
}

interface Held {
  child: ReturnType<typeof spawn>;
  names: string[];
  holderPid: number | null;
}

function startHolder(): Promise<Held> {
  const child = spawn(process.execPath, ['--import', tsx, fileURLToPath(new URL('./fixtures/lab-holder-child.ts', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) resolve({ child, ...(JSON.parse(out.split('\n')[0]!) as Omit<Held, 'child'>) });
    });
    child.once('exit', (code) => reject(new Error(`lab holder exited early with ${String(code)}`)));
  });
}

function exited(child: ReturnType<typeof spawn>): Promise<unknown> {
  return new Promise((resolve) => child.once('exit', resolve));
}

describe('withNamespaces', () => {
  rootOnly('joins two namespaces with a veth pair that carries TCP between child processes', async () => {
    const echoed = await withNamespaces({ namespaces: ['client', 'server'], links: [{ between: ['client', 'server'] }] }, async (lab) => {
      expect(lab.mode).toBe(mode);
      const link = lab.link('client', 'server');
      expect(link.a.address).toBe('10.203.0.1');
      expect(link.b.address).toBe('10.203.0.2');
      const server = lab.ns('server').spawnNode(peer, ['server', link.b.address]);
      const { port } = await server.nextMessage(isListening, 15_000);
      const client = lab.ns('client').spawnNode(peer, ['client', link.b.address, String(port)]);
      return (await client.nextMessage(isEchoed, 15_000)).echoed;
    });
    expect(echoed).toBe('ping over veth');
    expect(await ours()).toEqual([]);
  });

  rootOnly('keeps the veth ends and their addresses off the host', async () => {
    await withNamespaces(
      { namespaces: ['a', 'b'], links: [{ between: ['a', 'b'], addresses: ['10.203.9.1/30', '10.203.9.2/30'] }] },
      async (lab) => {
        const { stdout: host } = await run('ip', ['-br', 'addr']);
        expect(host).not.toContain('10.203.9.');
        const { stdout: inside } = await lab.ns('a').ip(['-br', 'addr']);
        expect(inside).toContain('10.203.9.1/30');
        const { stdout: route } = await lab.ns('a').ip(['route', 'get', lab.link('a', 'b').b.address]);
        expect(route).toContain('dev v0-b');
      },
    );
  });

  rootOnly('sets sysctls in the namespace only, leaving the host value alone', async () => {
    const { stdout: hostBefore } = await run('sysctl', ['-n', 'net.ipv4.ip_local_port_range']);
    await withNamespaces({ namespaces: ['tiny'], sysctls: { tiny: { 'net.ipv4.ip_local_port_range': '40000 40009' } } }, async (lab) => {
      expect(await lab.ns('tiny').sysctl('net.ipv4.ip_local_port_range')).toBe('40000 40009');
    });
    const { stdout: hostAfter } = await run('sysctl', ['-n', 'net.ipv4.ip_local_port_range']);
    expect(hostAfter).toBe(hostBefore);
  });

  rootOnly('deletes its namespaces and kills its children when the function throws', async () => {
    let names: string[] = [];
    let childPid: number | undefined;
    let holderPid: number | undefined;
    await expect(
      withNamespaces({ namespaces: ['x', 'y'], links: [{ between: ['x', 'y'] }] }, async (lab) => {
        names = lab.namespaces.map((ns) => ns.name);
        holderPid = lab.holderPid;
        const server = lab.ns('x').spawnNode(peer, ['server', '0.0.0.0']);
        await server.nextMessage(isListening, 15_000);
        childPid = server.process.pid;
        expect(await ours()).toEqual(expect.arrayContaining(names));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(names).toHaveLength(2);
    expect(await ours()).toEqual([]);
    expect(trackedNamespaces()).toEqual([]);
    expect(() => process.kill(childPid!, 0)).toThrow();
    if (mode === 'rootless') expect(await waitGone(holderPid!)).toBe(true);
  });

  rootMode('cleans up when the process gets SIGTERM', async () => {
    const { child, names } = await startHolder();
    expect(await listNamespaces()).toEqual(expect.arrayContaining(names));
    const done = exited(child);
    child.kill('SIGTERM');
    await done;
    const left = await listNamespaces();
    for (const name of names) expect(left).not.toContain(name);
  });

  rootMode('sweeps namespaces left behind by a SIGKILLed process on the next run', async () => {
    const { child, names } = await startHolder();
    const done = exited(child);
    child.kill('SIGKILL');
    await done;
    expect(await listNamespaces()).toEqual(expect.arrayContaining(names));
    const removed = await sweepStaleNamespaces();
    expect(removed).toEqual(expect.arrayContaining(names));
    const left = await listNamespaces();
    for (const name of names) expect(left).not.toContain(name);
  });

  rootlessMode('ends the user namespace holder, and with it the namespaces, when the process gets SIGTERM', async () => {
    const { child, holderPid } = await startHolder();
    expect(holderPid).toBeTypeOf('number');
    expect(alive(holderPid!)).toBe(true);
    const done = exited(child);
    child.kill('SIGTERM');
    await done;
    expect(await waitGone(holderPid!)).toBe(true);
  });

  rootlessMode('leaves nothing behind when the process is SIGKILLed: the holder sees its stdin close and exits', async () => {
    const { child, holderPid } = await startHolder();
    const done = exited(child);
    child.kill('SIGKILL');
    await done;
    expect(await waitGone(holderPid!)).toBe(true);
  });

  it('rejects a spec that links an unknown namespace, before touching the system', async () => {
    const attempt = withNamespaces({ namespaces: ['a'], links: [{ between: ['a', 'ghost'] }] }, () => Promise.resolve());
    await expect(attempt).rejects.toSatisfy((e) =>
      reason ? (e as { code: string }).code === 'NETNS_UNAVAILABLE' : e instanceof NetnsSpecError && /ghost/.test(e.message),
    );
  });

  const asNobody = it.skipIf(process.platform !== 'linux' || process.getuid?.() !== 0);
  const tryWithoutRoot = fileURLToPath(new URL('./fixtures/try-without-root-child.ts', import.meta.url));
  interface Tried {
    availability: { mode: string; reason?: string; enable?: string };
    ran?: string;
    code?: string;
    message?: string;
  }

  asNobody('as an ordinary user, runs rootless when user namespaces are allowed, or refuses in one line naming why', async () => {
    const { stdout } = await run(process.execPath, ['--import', tsx, tryWithoutRoot], {
      uid: 65534,
      gid: 65534,
      env: { ...process.env, HOME: '/tmp' },
    });
    const result = JSON.parse(stdout) as Tried;
    if (result.availability.mode === 'rootless') {
      expect(result.ran).toBe('rootless');
    } else {
      expect(result.availability.mode).toBe('unavailable');
      expect(result.code).toBe('NETNS_UNAVAILABLE');
      expect(result.message).toBe(result.availability.reason);
      expect(result.message).not.toContain('\n');
    }
  });

  it('refuses in one line with a stable code when namespaces are switched off', async () => {
    const { stdout } = await run(process.execPath, ['--import', tsx, tryWithoutRoot], { env: { ...process.env, CONNLAB_NETNS: 'off' } });
    const result = JSON.parse(stdout) as Tried;
    expect(result.availability.mode).toBe('unavailable');
    expect(result.code).toBe('NETNS_UNAVAILABLE');
    expect(result.message).toMatch(/CONNLAB_NETNS=off|Linux-only|iproute2/);
    expect(result.message).not.toContain('\n');
  });
});
