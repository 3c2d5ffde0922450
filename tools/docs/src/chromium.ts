// Headless Chromium for checking and photographing the report: Debian's
// `chromium` package driven by playwright-core (which ships no browser).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot } from '@connlab/lab';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const chromiumPath = '/usr/bin/chromium';

/**
 * A quiet, offline, throwaway browser: no sandbox (we run as root in CI), no GPU,
 * and none of the background traffic (updates, sync, QUIC probes) a fresh profile starts.
 */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type ChromiumAvailability = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Find Chromium, installing it with apt first when that is allowed: as root
 * with CI=true, or when CONNLAB_INSTALL_CHROMIUM=1 asks for it. Otherwise
 * report, in one line, why the browser checks cannot run.
 *
 * @example
 * const browser = ensureChromium();
 * if (!browser.ok) console.log(`skipped: ${browser.reason}`);
 */
export function ensureChromium(env: NodeJS.ProcessEnv = process.env, path = chromiumPath): ChromiumAvailability {
  if (existsSync(path)) return { ok: true, path };
  if (process.platform !== 'linux')
    return { ok: false, reason: `no ${path}: the browser check uses Debian's chromium package (Linux only)` };
  const asked = env.CONNLAB_INSTALL_CHROMIUM === '1' || env.CI === 'true';
  if (!asked)
    return {
      ok: false,
      reason: `no ${path}; install it (apt-get install -y chromium) or let the test do it as root with CONNLAB_INSTALL_CHROMIUM=1`,
    };
  if (!isRoot()) return { ok: false, reason: `no ${path}, and installing it with apt needs root` };
  try {
    // One apt at a time: apt's own lock makes a second concurrent install fail instead of wait.
    const script = 'apt-get update && apt-get install -y chromium';
    const flock = ['/usr/bin/flock', '/bin/flock'].find((p) => existsSync(p));
    const [cmd, args] = flock ? [flock, ['/tmp/connlab-apt.lock', 'sh', '-c', script]] : ['sh', ['-c', script]];
    execFileSync(cmd, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 15 * 60_000,
    });
  } catch (error) {
    return {
      ok: false,
      reason: `installing chromium with apt failed: ${error instanceof Error ? error.message.split('\n')[0]! : String(error)}`,
    };
  }
  return existsSync(path) ? { ok: true, path } : { ok: false, reason: `apt-get install chromium finished but ${path} is missing` };
}

export interface BrowserOptions {
  executablePath?: string;
  viewport?: { width: number; height: number };
}

/**
 * Open one page in a fresh headless Chromium profile, run `fn`, then close the
 * browser and delete the profile, whatever `fn` did.
 *
 * @example
 * const title = await withPage((page) => page.goto('file:///tmp/x.html').then(() => page.title()));
 */
export async function withPage<T>(fn: (page: Page) => Promise<T>, options: BrowserOptions = {}): Promise<T> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'connlab-chromium-'));
  try {
    // A persistent context is how playwright takes a --user-data-dir of our choosing.
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: options.executablePath ?? chromiumPath,
      headless: true,
      args: chromiumArgs,
      viewport: options.viewport ?? { width: 1100, height: 900 },
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      return await fn(page);
    } finally {
      await context.close();
    }
  } finally {
    rmSync(userDataDir, { recursive: true, force: true });
  }
}
