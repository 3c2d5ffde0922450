// A user outside the monorepo gets a tarball, not our TypeScript source. This
// packs every package the way `npm pack` does (prepack builds dist/ and points
// "exports" at it), installs the tarballs into an empty project, and uses them
// there under plain node and plain tsc.
//
// The pack runs on a copy of packages/: prepack rewrites package.json for a
// moment, and other test files import these packages at the same time.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

interface Manifest {
  name: string;
  private?: boolean;
  exports: Record<string, unknown>;
  bin?: Record<string, string>;
}

let work = '';
let project = '';
const manifests: Manifest[] = [];
let tarballs: string[] = [];

const skipCopy = (src: string): boolean => !/(^|\/)(node_modules|dist|\.vitest|\.turbo)(\/|$)/.test(src);

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'connlab-pack-'));
  const tree = path.join(work, 'tree');
  await mkdir(tree);
  for (const entry of ['packages', 'scripts', 'tsconfig.base.json', 'package.json'])
    await cp(path.join(root, entry), path.join(tree, entry), { recursive: true, filter: skipCopy });
  // prepack's tsc and the packages' type imports resolve through the monorepo's own install.
  await symlink(path.join(root, 'node_modules'), path.join(tree, 'node_modules'));

  const dirs = (await readdir(path.join(tree, 'packages'))).sort();
  for (const dir of dirs) manifests.push(JSON.parse(await readFile(path.join(tree, 'packages', dir, 'package.json'), 'utf8')) as Manifest);
  const out = path.join(work, 'tarballs');
  await mkdir(out);
  const workspaces = dirs.flatMap((d) => ['-w', `packages/${d}`]);
  await run(npm, ['pack', ...workspaces, '--pack-destination', out, '--silent'], { cwd: tree, maxBuffer: 16 << 20 });
  tarballs = (await readdir(out)).filter((f) => f.endsWith('.tgz')).map((f) => path.join(out, f));

  project = path.join(work, 'project');
  await mkdir(project);
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'outside', private: true, type: 'module' }));
  // The registry dependencies (koffi, commander, ...) were just installed by npm ci, so the cache has them.
  await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', ...tarballs], {
    cwd: project,
    maxBuffer: 16 << 20,
  });
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** `@connlab/http` + `./parser` → `@connlab/http/parser`. */
const specifiers = (m: Manifest): string[] => Object.keys(m.exports).map((key) => (key === '.' ? m.name : `${m.name}/${key.slice(2)}`));

describe('npm pack, installed in a project outside the monorepo', () => {
  it('makes one tarball per package', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(10);
    expect(tarballs.map((t) => path.basename(t)).sort()).toEqual(
      manifests.map((m) => `${m.name.replace('@', '').replace('/', '-')}-0.1.0.tgz`).sort(),
    );
  });

  it('imports every export path under plain node, each with named exports', async () => {
    const all = manifests.flatMap(specifiers);
    const script = `for (const m of ${JSON.stringify(all)}) { const x = await import(m); console.log(m, Object.keys(x).length); }`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project });
    const counts = new Map(
      stdout
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    );
    expect([...counts.keys()]).toEqual(all);
    for (const [specifier, count] of counts) expect(Number(count), specifier).toBeGreaterThan(0);
  });

  it('serves and fetches over a real socket with the built @connlab/http', async () => {
    const script = `
      import { createServer, HttpClient } from '@connlab/http';
      const server = createServer((req) => ({ body: 'hello ' + req.target }));
      const { port } = await server.listen(0, '127.0.0.1');
      const client = new HttpClient();
      const res = await client.request({ origin: 'http://127.0.0.1:' + port, path: '/outside' });
      console.log(res.status, res.text());
      await client.close();
      await server.close({ graceMs: 1000 });`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project, timeout: 20_000 });
    expect(stdout.trim()).toBe('200 hello /outside');
  });

  it('type-checks a consumer against the shipped .d.ts files', async () => {
    const lines = manifests.flatMap(specifiers).map((s, i) => `import * as m${i} from '${s}';\nvoid m${i};`);
    lines.push(
      "import { createServer } from '@connlab/http';",
      'const port: Promise<{ port: number }> = createServer(() => ({})).listen(0);',
      'void port;',
    );
    await writeFile(path.join(project, 'consumer.ts'), lines.join('\n') + '\n');
    const options = [
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--types',
      'node',
    ];
    // tsc prints its errors on stdout and exits 2; the test shows them instead of the exit code.
    const errors = await run(process.execPath, [tsc, ...options, '--typeRoots', path.join(root, 'node_modules/@types'), 'consumer.ts'], {
      cwd: project,
    }).then(
      () => '',
      (error: unknown) => String((error as { stdout?: string }).stdout ?? error),
    );
    expect(errors).toBe('');
  });

  it('runs the connlab bin under plain node', async () => {
    const { stdout } = await run(path.join(project, 'node_modules/.bin/connlab'), ['--help'], { cwd: project });
    expect(stdout).toMatch(/^Usage: connlab <command>/);
  });
});
