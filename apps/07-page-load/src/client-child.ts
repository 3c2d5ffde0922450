// The browser, started inside the delay line's client namespace: loads the
// page each way and reports. argv: <host> <port> <JSON LoadOptions>.
import { STRATEGIES } from './model.js';
import { loadPage } from './strategies.js';
import type { LoadOptions, PageLoad } from './strategies.js';

export type ClientChildMessage = { kind: 'loaded'; loads: PageLoad[] } | { kind: 'failed'; message: string };

async function main(): Promise<void> {
  const [host = '', port = '0', json = '{}'] = process.argv.slice(2);
  const options = JSON.parse(json) as LoadOptions;
  try {
    const loads: PageLoad[] = [];
    for (const strategy of STRATEGIES) loads.push(await loadPage({ host, port: Number(port) }, strategy, options));
    process.send?.({ kind: 'loaded', loads } satisfies ClientChildMessage);
  } catch (error) {
    process.send?.({ kind: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies ClientChildMessage);
  }
  process.disconnect();
}

void main();
