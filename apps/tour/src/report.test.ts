import { escapeXml, verdictOf } from '@connlab/lab';
import { describe, expect, it } from 'vitest';
import { renderReport } from './report.js';
import { hostile, sampleRun } from './sample-run.js';
import { countsLine, formatDuration, summaryRows } from './summary.js';
import { summaryText } from './terminal.js';

describe('renderReport', () => {
  const run = sampleRun();
  const html = renderReport(run, { docHref: (id) => (id === '05-nagle' ? '../docs/05-nagle.md' : undefined) });
  const figureCount = run.lessons.reduce((n, l) => n + (l.result?.figures.length ?? 0), 0);

  it('draws every figure of every lesson as inline SVG, one per figure', () => {
    expect(html.match(/<svg xmlns=/g)).toHaveLength(figureCount);
    for (const l of run.lessons) expect(html).toContain(`<section class="lesson" id="lesson-${l.id}">`);
  });

  it('escapes everything a lesson wrote: no script, no injected element, no handler', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    // The handler survives only as escaped text inside an element, never inside a tag.
    expect(html).not.toMatch(/<[^>]*\sonerror=/);
    expect(html).toContain(escapeXml(hostile));
    expect(html).toContain('&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;');
  });

  it('is self-contained: no external scripts, styles, images or fonts, and a policy that forbids them', () => {
    expect(html).toContain("default-src 'none'");
    const urls = [...html.matchAll(/(?:src|href)="([^"#][^"]*)"/g)].map((m) => m[1]);
    expect(urls).toEqual(['../docs/05-nagle.md']);
    expect(html).not.toMatch(/url\(|@import/);
  });

  it('shows the summary with this machine beside the notes and every verdict', () => {
    expect(html).toContain('<td class="num">44.1 ms</td><td>100–200 ms (book), ~40 ms on Linux</td>');
    for (const verdict of ['reproduced', 'partly skipped', 'emulated', 'NOT reproduced', 'skipped', 'failed'])
      expect(html).toContain(`>${verdict}</span>`);
    expect(html).toContain(
      '<td class="fail">✘</td><td>client closes first: TIME_WAIT on the client</td><td>client 0, server 0 after 1000</td>',
    );
    expect(html).toContain('<td>WAN (relay) request → first byte ≈ 100 ms ± 25 % <em>(emulated)</em></td>');
    expect(html).toContain('threw: connect ECONNREFUSED 127.0.0.1:40123 [ECONNREFUSED]');
    expect(html).toContain('<strong>The lesson threw:</strong> cannot load @connlab/lesson-15-tcp-keepalive: ');
    expect(html).toContain('a 20 ms each-way delay line');
  });
});

describe('summary', () => {
  const run = sampleRun();

  it('has a row per compared measurement, the lesson named on its first row only', () => {
    const rows = summaryRows(run);
    const slowStart = rows.filter((r) => r.status === 'reproduced').slice(0, 2);
    expect(slowStart.map((r) => r.lesson)).toEqual(['04-slow-start', '']);
    expect(rows.find((r) => r.lesson === '07-page-load')?.measured).toMatch(/^skipped: the delay line needs root/);
    // A lesson that could not be loaded has no numbers: its row carries the error and the verdict failed.
    expect(rows.find((r) => r.lesson === '15-tcp-keepalive')).toMatchObject({
      measured: expect.stringMatching(/^threw: cannot load @connlab\/lesson-15-tcp-keepalive: /) as unknown,
      verdict: 'failed',
    });
    // A lesson with no textbook figure still shows its first measurement.
    expect(rows.find((r) => r.lesson === '16-keep-alive-vs-close')).toMatchObject({
      measured: 'requests/s, keep-alive vs close',
      value: '4.20 ×',
    });
    // A NOT reproduced lesson lists the check that failed, with what was measured.
    expect(rows.filter((r) => r.status === 'not-reproduced').map((r) => [r.measured, r.value])).toEqual([
      ['new connections/s to one server', '470 /s'],
      ['✘ client closes first: TIME_WAIT on the client', 'client 0, server 0 after 1000'],
    ]);
  });

  it('gives every sample lesson the status its checks imply', () => {
    for (const l of run.lessons) if (l.result) expect(l.status, l.id).toBe(verdictOf(l.result));
  });

  it('counts the verdicts and prints the same table for the terminal', () => {
    expect(countsLine(run)).toBe('3 reproduced, 1 partly skipped, 1 emulated, 1 NOT reproduced, 1 skipped, 2 failed');
    const text = summaryText(run).join('\n');
    expect(text).toContain('04-slow-start');
    expect(text).toContain('44.1 ms');
  });

  it('formats durations for people', () => {
    expect(formatDuration(265)).toBe('265 ms');
    expect(formatDuration(6200)).toBe('6.2 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
});
