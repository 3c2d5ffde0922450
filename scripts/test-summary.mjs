#!/usr/bin/env node
// Sums every workspace's vitest JSON result into one closing line, so the
// total is visible even when turbo shows only the logs of failing tasks.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const totals = { passed: 0, failed: 0, skipped: 0 };
const missing = [];
const skippedTests = [];

for (const group of ['packages', 'apps', 'tools']) {
  for (const dir of readdirSync(join(root, group)).sort()) {
    const manifest = join(root, group, dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const file = join(root, group, dir, '.vitest', 'result.json');
    if (!existsSync(file)) {
      missing.push(`${group}/${dir}`);
      continue;
    }
    const result = JSON.parse(readFileSync(file, 'utf8'));
    totals.passed += result.numPassedTests;
    totals.failed += result.numFailedTests;
    totals.skipped += result.numPendingTests + result.numTodoTests;
    for (const suite of result.testResults) {
      for (const test of suite.assertionResults) {
        if (test.status === 'pending' || test.status === 'skipped') skippedTests.push(`${group}/${dir}: ${test.fullName}`);
      }
    }
  }
}

if (skippedTests.length) console.log(`skipped (each test prints its reason):\n  ${skippedTests.join('\n  ')}`);
if (missing.length) console.log(`no test results from: ${missing.join(', ')}`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || missing.length > 0 ? 1 : 0);
