#!/usr/bin/env node
// Inside the monorepo, packages export TypeScript source so tsx and vitest run
// without a build. A tarball must work under plain node, so `npm pack` builds
// to dist/ and points "exports" there for the duration of the pack only.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const phase = process.argv[2];
const manifest = 'package.json';
const backup = 'package.json.source';

function toDist(target) {
  if (typeof target === 'string' && target.startsWith('./src/') && target.endsWith('.ts')) {
    const js = target.replace('./src/', './dist/').replace(/\.ts$/, '.js');
    return { types: js.replace(/\.js$/, '.d.ts'), default: js };
  }
  return target;
}

if (phase === 'prepack') {
  execFileSync(process.execPath, [new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname, '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  copyFileSync(manifest, backup);
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  pkg.exports = Object.fromEntries(Object.entries(pkg.exports).map(([key, value]) => [key, toDist(value)]));
  if (pkg.bin) {
    pkg.bin = Object.fromEntries(Object.entries(pkg.bin).map(([key, value]) => [key, toDist(value).default ?? value]));
    // A source bin's shebang runs it under tsx; the built file must run under plain node.
    for (const file of Object.values(pkg.bin)) {
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, `#!/usr/bin/env node\n${text.startsWith('#!') ? text.slice(text.indexOf('\n') + 1) : text}`);
      chmodSync(file, 0o755);
    }
  }
  writeFileSync(manifest, JSON.stringify(pkg, null, 2) + '\n');
} else if (phase === 'postpack') {
  if (existsSync(backup)) renameSync(backup, manifest);
} else {
  console.error('usage: pack-manifest.mjs prepack|postpack');
  process.exit(2);
}
