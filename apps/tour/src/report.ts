// report/index.html: one self-contained page (no scripts, no fetches) with the
// summary table, then every lesson's figures as inline SVG, its measurements
// and its printed lines. Everything that came from a lesson is escaped.
import { escapeXml, formatValue, renderFigureSvg } from '@connlab/lab';
import type { LessonStatus, TourLesson, TourRun } from './run.js';
import { countsLine, formatDuration, statusText, summaryRows } from './summary.js';

export interface ReportOptions {
  /** How the page links to a lesson's doc, relative to the report; undefined for no links. */
  docHref?: (id: string) => string | undefined;
}

const css = `
:root { color-scheme: light; --ink: #1f2328; --dim: #59636e; --rule: #d0d7de; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 960px; margin: 0 auto; padding: 24px 20px 64px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 0 0 2px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.sub, .effect, .meta { color: var(--dim); margin: 0 0 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { background: var(--bg); font-weight: 600; white-space: nowrap; }
table.summary td:first-child { white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.first td { border-top: 1px solid #afb8c1; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12.5px; font-weight: 600; white-space: nowrap; }
.reproduced { background: #dafbe1; color: #116329; }
.not-reproduced, .failed { background: #ffebe9; color: #a40e26; }
.skipped, .partly-skipped { background: #fff8c5; color: #7d4e00; }
.badge.emulated { background: #fbefff; color: #6e40c9; }
td.pass { color: #116329; } td.fail { color: #a40e26; font-weight: 600; }
section.lesson { margin-top: 40px; padding-top: 20px; border-top: 2px solid var(--rule); }
.note { background: var(--bg); border-left: 4px solid var(--rule); padding: 6px 10px; margin: 8px 0; }
.note.emulated { border-color: #bf8700; }
.note.error { border-color: #cf222e; }
figure { margin: 14px 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; display: block; }
/* Tables keep their text size and scroll sideways instead of shrinking. */
figure.table svg { max-width: none; }
pre { background: var(--bg); padding: 10px 12px; overflow-x: auto; font: 12.5px/1.45 ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; }
a { color: #0969da; }
`;

function badge(status: LessonStatus): string {
  return `<span class="badge ${status}">${escapeXml(statusText[status])}</span>`;
}

function summaryTable(run: TourRun): string {
  const rows = summaryRows(run).map((r) => {
    const lesson = r.lesson ? `<a href="#lesson-${escapeXml(r.lesson)}">${escapeXml(r.lesson)}</a>` : '';
    return `<tr${r.lesson ? ' class="first"' : ''}><td>${lesson}</td><td>${escapeXml(r.measured)}</td><td class="num">${escapeXml(r.value)}</td><td>${escapeXml(r.textbook)}</td><td>${r.verdict ? badge(r.status) : ''}</td></tr>`;
  });
  return [
    '<table class="summary">',
    '<thead><tr><th>lesson</th><th>what was measured</th><th>this machine</th><th>the notes</th><th>effect</th></tr></thead>',
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table>',
  ].join('\n');
}

function measurements(l: TourLesson): string {
  const ms = l.result?.measurements ?? [];
  if (ms.length === 0) return '';
  const rows = ms.map(
    (m) =>
      `<tr><td>${escapeXml(m.label)}</td><td class="num">${escapeXml(formatValue(m.value, m.unit))}</td><td>${escapeXml(m.textbook ?? '')}</td></tr>`,
  );
  return `<h3>Measured</h3>\n<table><thead><tr><th>measured</th><th>this machine</th><th>the notes</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function checks(l: TourLesson): string {
  const cs = l.result?.checks ?? [];
  if (cs.length === 0) return '';
  const rows = cs.map(
    (c) =>
      `<tr><td class="${c.passed ? 'pass' : 'fail'}">${c.passed ? '✔' : '✘'}</td><td>${escapeXml(c.label)}${c.emulated ? ' <em>(emulated)</em>' : ''}</td><td>${escapeXml(c.measured)}</td></tr>`,
  );
  return `<h3>Checks</h3>\n<table class="checks"><thead><tr><th></th><th>what was compared</th><th>measured</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function lessonSection(l: TourLesson, docHref: ReportOptions['docHref']): string {
  const id = escapeXml(l.id);
  const href = docHref?.(l.id);
  const took = l.durationMs > 0 ? ` · took ${escapeXml(formatDuration(l.durationMs))}` : '';
  const parts = [
    `<section class="lesson" id="lesson-${id}">`,
    `<h2>${escapeXml(`${String(l.number).padStart(2, '0')} · ${l.title}`)} ${badge(l.status)}</h2>`,
    l.effect ? `<p class="effect">${escapeXml(l.effect)}</p>` : '',
    `<p class="meta">apps/${id}${href ? ` · <a href="${escapeXml(href)}">the lesson</a>` : ''}${took}</p>`,
  ];
  const r = l.result;
  if (r?.emulated) parts.push(`<p class="note emulated"><strong>Emulated:</strong> ${escapeXml(r.emulated)}</p>`);
  if (r?.skipped) parts.push(`<p class="note">${escapeXml(r.skipped)}</p>`);
  if (l.error) parts.push(`<p class="note error"><strong>The lesson threw:</strong> ${escapeXml(l.error)}</p>`);
  for (const f of r?.figures ?? []) parts.push(`<figure class="${f.kind}">\n${renderFigureSvg(f, { width: 900 })}\n</figure>`);
  parts.push(checks(l), measurements(l));
  if (r && r.lines.length > 0) parts.push(`<h3>What it printed</h3>\n<pre>${r.lines.map(escapeXml).join('\n')}</pre>`);
  parts.push('</section>');
  return parts.filter(Boolean).join('\n');
}

/**
 * The whole report page for a tour run.
 *
 * @example
 * writeFileSync('report/index.html', renderReport(run, { docHref: (id) => `../docs/${id}.md` }));
 */
export function renderReport(run: TourRun, options: ReportOptions = {}): string {
  const m = run.machine;
  const when = run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const machine = `${m.platform} ${m.kernel} (${m.arch}), ${m.cpus} CPU${m.cpus === 1 ? '' : 's'}, Node ${m.node}, ${m.root ? 'as root' : 'not root'}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No scripts, styles or images from anywhere: the page works offline and from a file.
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; img-src data:">',
    '<title>Connlab lab report</title>',
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    '<main>',
    '<h1>Connlab lab report</h1>',
    `<p class="sub">${escapeXml(`${when} · ${machine} · ${run.quick ? 'quick run' : 'full run'} · ${formatDuration(run.durationMs)}`)}</p>`,
    `<p class="sub"><strong>${escapeXml(countsLine(run) || 'no lessons run')}</strong></p>`,
    '<h2 style="margin-top:24px">Summary</h2>',
    '<p class="sub">Each lesson measured on this machine, beside the figure the notes give.</p>',
    summaryTable(run),
    ...run.lessons.map((l) => lessonSection(l, options.docHref)),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
