// The dependency rules of the repository (.dependency-cruiser.mjs, run by
// `npm run check:deps`) applied to small made-up trees: each rule must catch
// the import it forbids, and let the ordinary ones through.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';
import type { IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { afterEach, describe, expect, it } from 'vitest';

const config = fileURLToPath(new URL('../../../.dependency-cruiser.mjs', import.meta.url));
const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** Write `files` into a fresh repository-shaped folder and cruise it with the repository's rules. */
async function violations(files: Record<string, string>): Promise<string[]> {
  const root = mkdtempSync(join(tmpdir(), 'connlab-layering-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const options = await extractDepcruiseOptions(config);
  const result = await cruise(
    ['packages', 'apps', 'tools'].filter((d) => Object.keys(files).some((f) => f.startsWith(`${d}/`))),
    { ...options, validate: true, baseDir: root },
  );
  if (typeof result.output === 'string') throw new Error('expected a cruise result, got reporter text');
  return result.output.summary.violations.map((v: IViolation) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
}

describe('the dependency rules', () => {
  it('let a package use its own files and an app use its own', async () => {
    expect(
      await violations({
        'packages/lab/src/index.js': "export { sleep } from './sleep.js';",
        'packages/lab/src/sleep.js': 'export const sleep = 1;',
        'apps/01-echo/src/main.js': "import { run } from './experiment.js'; run();",
        'apps/01-echo/src/experiment.js': 'export function run() {}',
      }),
    ).toEqual([]);
  });

  it('catch a package importing an app or a tool', async () => {
    expect(
      await violations({
        'packages/lab/src/index.js': "import '../../../apps/tour/src/registry.js'; import '../../../tools/docs/src/check.js';",
        'apps/tour/src/registry.js': 'export {};',
        'tools/docs/src/check.js': 'export {};',
      }),
    ).toEqual([
      'no-cross-workspace-relative-imports: packages/lab/src/index.js → apps/tour/src/registry.js',
      'no-cross-workspace-relative-imports: packages/lab/src/index.js → tools/docs/src/check.js',
      'packages-never-import-apps: packages/lab/src/index.js → apps/tour/src/registry.js',
      'packages-never-import-apps: packages/lab/src/index.js → tools/docs/src/check.js',
    ]);
  });

  it("catch @connlab/http's client and server importing each other, in flat files or in folders, and let both use the parser", async () => {
    expect(
      await violations({
        'packages/http/src/client-pool.js': "import './server.js'; import './parser.js';",
        'packages/http/src/server.js': "import './parser.js';",
        'packages/http/src/parser.js': 'export {};',
        'packages/http/src/server/connection.js': "import '../client/pool.js';",
        'packages/http/src/client/pool.js': "import '../parser/index.js';",
        'packages/http/src/parser/index.js': 'export {};',
      }),
    ).toEqual([
      'http-client-not-server: packages/http/src/client-pool.js → packages/http/src/server.js',
      'http-server-not-client: packages/http/src/server/connection.js → packages/http/src/client/pool.js',
    ]);
  });

  it('catch a cycle made only of type imports', async () => {
    expect(
      await violations({
        'packages/http/src/a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
        'packages/http/src/b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
      }),
    ).toEqual(['no-cycles: packages/http/src/a.ts → packages/http/src/b.ts']);
  });

  it('catch an app reaching into a package by a relative path', async () => {
    expect(
      await violations({
        'apps/05-nagle/src/experiment.js': "import '../../../packages/tcp-options/src/nodelay.js';",
        'packages/tcp-options/src/nodelay.js': 'export {};',
      }),
    ).toEqual(['no-cross-workspace-relative-imports: apps/05-nagle/src/experiment.js → packages/tcp-options/src/nodelay.js']);
  });
});
