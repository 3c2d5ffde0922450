import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ProgressDisplay } from './progress.js';
import type { ProgressStream } from './progress.js';
import type { TourLesson } from './run.js';

function stream(isTTY: boolean): ProgressStream & { text: () => string; chunks: string[] } {
  const chunks: string[] = [];
  return { isTTY, columns: 60, chunks, write: (c: string) => chunks.push(c) > 0, text: () => stripVTControlCharacters(chunks.join('')) };
}

const done: TourLesson = { number: 5, id: '05-nagle', title: 'Nagle', status: 'reproduced', durationMs: 6200 };

describe('ProgressDisplay', () => {
  it('writes one plain line per event when stderr is not a terminal', () => {
    const out = stream(false);
    const p = new ProgressDisplay(out);
    p.hooks.onStart?.(4, 16, '05-nagle', 'Nagle and delayed ACK');
    p.hooks.onProgress?.('timing write-write-read requests');
    p.hooks.onEnd?.(done, 4, 16);
    p.hooks.onEnd?.({ ...done, status: 'partly-skipped' }, 4, 16);
    p.hooks.onEnd?.({ ...done, status: 'emulated' }, 4, 16);
    p.hooks.onEnd?.({ ...done, status: 'failed', error: 'connect ECONNREFUSED' }, 4, 16);
    p.stop();
    expect(out.text()).toBe(
      '[5/16] 05-nagle: Nagle and delayed ACK\n  … timing write-write-read requests\n  → reproduced 6.2 s\n  → partly skipped 6.2 s\n  → emulated 6.2 s\n  → failed 6.2 s — connect ECONNREFUSED\n',
    );
  });

  it('redraws one status line in place on a terminal, clipped to its width, and leaves a result line', () => {
    const out = stream(true);
    const p = new ProgressDisplay(out);
    p.hooks.onStart?.(0, 3, '01-echo', 'TCP echo');
    p.hooks.onProgress?.('echoing a very long description of what is being measured right now, far too long');
    p.hooks.onEnd?.({ ...done, id: '01-echo', status: 'not-reproduced' }, 0, 3);
    p.stop();
    expect(out.chunks.every((c) => c.startsWith('\r\u001b[2K'))).toBe(true);
    const status = stripVTControlCharacters(out.chunks[1]!).replace('\r', '');
    expect(status).toMatch(/^. \[1\/3\] 01-echo echoing a very long.*… \(0 s\)$/);
    expect(status.length).toBeLessThanOrEqual(59);
    expect(out.text().trimEnd().split('\r').at(-1)).toBe('✘ [1/3] 01-echo NOT reproduced 6.2 s');
  });
});
