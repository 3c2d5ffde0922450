// The bin as npm links it into the workspace: node_modules/.bin/connlab runs
// src/main.ts through its shebang (node --import tsx), with no build step.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spawned, mainTs, packageDir } from './helpers.js';

const root = join(packageDir, '..', '..');
const linked = join(root, 'node_modules', '.bin', 'connlab');

describe('the connlab bin in the workspace', () => {
  it('is linked in node_modules/.bin to src/main.ts', () => {
    expect(existsSync(linked)).toBe(true);
    expect(realpathSync(linked)).toBe(realpathSync(mainTs));
    const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin).toEqual({ connlab: './src/main.ts' });
  });

  it.skipIf(process.platform === 'win32')('runs through its shebang inside the workspace', async () => {
    expect(readFileSync(mainTs, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env -S node --import tsx');
    const run = new Spawned(['--help'], linked, []);
    const { code } = await run.exited;
    expect(run.stderr).toBe('');
    expect(code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: connlab <command> \[options\]/);
  });
});
