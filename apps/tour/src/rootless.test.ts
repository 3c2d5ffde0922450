// The namespace lessons' tests once more, as an ordinary user: rootless mode
// (a user namespace per lab) must measure what root measures. Runs when this
// test runs as root: under CI it creates the user itself (as the Chromium test
// installs its browser); elsewhere it uses CONNLAB_ROOTLESS_USER if set.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const CI_USER = 'connlab-rootless';

/**
 * The suites whose tests build namespaces, and which of their files to run:
 * the two namespace packages, every lesson that depends on one of them, and
 * the capture test of every other lesson (it runs the lesson in a lab
 * namespace). Read from the workspace, so a new lesson is never left out.
 */
function namespaceSuites(): { dir: string; files?: readonly string[] }[] {
  const suites: { dir: string; files?: readonly string[] }[] = [
    { dir: 'packages/netns' },
    { dir: 'packages/netlab', files: ['src/delay-line.test.ts'] },
  ];
  for (const app of readdirSync(join(root, 'apps'))
    .filter((d) => /^\d\d-/.test(d))
    .sort()) {
    const manifest = JSON.parse(readFileSync(join(root, 'apps', app, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const deps = Object.keys(manifest.dependencies ?? {});
    if (deps.includes('@connlab/netns') || deps.includes('@connlab/netlab')) suites.push({ dir: `apps/${app}` });
    else if (existsSync(join(root, 'apps', app, 'src/capture.test.ts')))
      suites.push({ dir: `apps/${app}`, files: ['src/capture.test.ts'] });
  }
  return suites;
}
const SUITES = namespaceSuites();

interface Plan {
  uid: number;
  gid: number;
  user: string;
}

function idOf(user: string, flag: '-u' | '-g'): number | undefined {
  const r = spawnSync('id', [flag, user], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
}

/** Run `file args` as the user (setpriv: no shell, no PAM), with a private HOME. */
function asUser(plan: Plan, home: string, file: string, args: readonly string[], cwd = root): ReturnType<typeof spawnSync> {
  return spawnSync('setpriv', [`--reuid=${plan.uid}`, `--regid=${plan.gid}`, '--clear-groups', '--', file, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CI: process.env.CI ?? '' },
    timeout: 60_000,
  });
}

/** Why not to run here, or the user to run as. */
function plan(): Plan | string {
  if (process.platform !== 'linux') return 'Linux only';
  if (process.getuid?.() !== 0)
    return 'runs as root only: it re-runs the namespace tests as an ordinary user (run them as that user directly instead)';
  let user = process.env.CONNLAB_ROOTLESS_USER;
  if (!user && process.env.CI) {
    user = CI_USER;
    if (idOf(user, '-u') === undefined) execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
  }
  if (!user) return 'set CONNLAB_ROOTLESS_USER=<an ordinary user> to re-run the namespace tests rootless (CI creates one)';
  const uid = idOf(user, '-u');
  const gid = idOf(user, '-g');
  if (uid === undefined || gid === undefined) return `no user "${user}"`;
  if (uid === 0) return `"${user}" is root`;
  return { uid, gid, user };
}

const planned = plan();
const home = typeof planned === 'string' ? '' : mkdtempSync(join(tmpdir(), 'connlab-rootless-'));
if (typeof planned !== 'string') chownSync(home, planned.uid, planned.gid);
afterAll(() => {
  if (home) rmSync(home, { recursive: true, force: true });
});

/** The user's view: can it read the workspace, and which netns mode does it get? */
function preflight(p: Plan): string | undefined {
  const readable = asUser(p, home, 'test', ['-r', join(root, 'packages/netns/src/index.ts')]);
  if (readable.status !== 0)
    return `${p.user} cannot read ${root}: make the checkout world-readable (chmod -R o+rX, and o+x on its parent directories)`;
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const netns = pathToFileURL(join(root, 'packages/netns/src/index.ts')).href;
  const r = asUser(p, home, process.execPath, [
    '--import',
    tsx,
    '--input-type=module',
    '-e',
    `const m = await import(${JSON.stringify(netns)}); console.log(JSON.stringify(m.netnsAvailability()));`,
  ]);
  const stdout = String(r.stdout);
  if (r.status !== 0) return `could not ask netns as ${p.user}: ${String(r.stderr).trim().split('\n').at(-1) ?? ''}`;
  const availability = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { mode?: string; reason?: string; enable?: string };
  if (availability.mode !== 'rootless')
    return `${p.user} gets netns mode ${availability.mode ?? '?'}: ${availability.reason ?? ''}${availability.enable ? ` (enable: ${availability.enable})` : ''}`;
  return undefined;
}

const why = typeof planned === 'string' ? planned : preflight(planned);
// Under CI an unreadable checkout is a setup bug to see, not a reason to skip quietly.
const mustRun = typeof planned !== 'string' && Boolean(process.env.CI) && why?.includes('cannot read') === true;

function vitestAs(p: Plan, dir: string, files: readonly string[]): Promise<{ code: number | null; output: string }> {
  const vitest = join(root, 'node_modules/vitest/vitest.mjs');
  // --configLoader runner: no bundled config written next to the (root-owned) config file; the
  // default reporter only: the JSON one would write into the package directory.
  const child = spawn(
    'setpriv',
    [
      `--reuid=${p.uid}`,
      `--regid=${p.gid}`,
      '--clear-groups',
      '--',
      process.execPath,
      vitest,
      'run',
      '--configLoader',
      'runner',
      '--reporter=default',
      ...files,
    ],
    {
      cwd: join(root, dir),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CI: process.env.CI ?? '', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    output = (output + d).slice(-20_000);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    output = (output + d).slice(-20_000);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 280_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

describe.skipIf(why !== undefined && !mustRun)(
  `namespace tests as an ordinary user, rootless${why ? ` (skipped: ${why})` : typeof planned === 'string' ? '' : ` (${planned.user})`}`,
  () => {
    it('the user can read the workspace and gets the rootless mode', () => {
      expect(why).toBeUndefined();
    });

    for (const suite of SUITES) {
      it(`${suite.dir} passes as ${typeof planned === 'string' ? 'the user' : planned.user}`, async () => {
        if (typeof planned === 'string' || why) throw new Error(why ?? (planned as string));
        const { code, output } = await vitestAs(planned, suite.dir, suite.files ?? []);
        const summary = output
          .split('\n')
          .filter((l) => /Test Files|Tests |FAIL|skipped/.test(l))
          .join('\n');
        expect(code, `${suite.dir} as ${planned.user}:\n${summary}\n${output.slice(-3000)}`).toBe(0);
        // Every namespace test ran: a suite that skipped its namespace part would prove nothing.
        expect(output, `${suite.dir} skipped tests as ${planned.user}:\n${summary}`).not.toMatch(/skipped: /);
      }, 300_000);
    }
  },
);
