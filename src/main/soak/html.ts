/**
 * report.html: the verdict, the run's figures and charts over time drawn with Chart.js, whose UMD build is inlined
 * so the file opens offline and on its own.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { HostSample, SoakReport } from './report'

const moduleRequire = createRequire(import.meta.url)

function chartJsSource(): string {
  return fs.readFileSync(path.join(path.dirname(moduleRequire.resolve('chart.js')), 'chart.umd.min.js'), 'utf8')
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
/** JSON inside a <script>: nothing in it may close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c')

type Point = { x: number; y: number | null }

/** A host's series as chart points in minutes; a restart (new pid) breaks the line. */
function hostPoints(samples: HostSample[], pick: (s: HostSample) => number | null): Point[] {
  const points: Point[] = []
  samples.forEach((sample, index) => {
    if (index > 0 && samples[index - 1].pid !== sample.pid) points.push({ x: sample.t / 60, y: null })
    points.push({ x: sample.t / 60, y: pick(sample) })
  })
  return points
}

export function renderHtml(report: SoakReport): string {
  const run = report.series.run
  const minutes = (pick: (s: (typeof run)[number]) => number | null): Point[] => run.map((s) => ({ x: s.t / 60, y: pick(s) }))
  const perHost = (pick: (s: HostSample) => number | null) =>
    Object.entries(report.series.hosts).map(([label, samples]) => ({ label, data: hostPoints(samples, pick) }))
  const charts = [
    { id: 'rss', title: 'RSS per host, and the soak process itself (MB)', datasets: [...perHost((s) => s.rssMb), { label: 'soak (sandbox + runner)', data: minutes((s) => s.runnerRssMb ?? null) }] },
    {
      id: 'heap',
      title: `JS heap used per host (MB; workers, from /metrics${report.options.hosts > 1 ? '' : ': this run has none, the panel serves /metrics only through its REST API'})`,
      datasets: perHost((s) => s.heapUsedMb).filter((d) => d.data.some((p) => p.y !== null)),
    },
    { id: 'fds', title: 'Open file descriptors per host', datasets: perHost((s) => s.fds) },
    {
      id: 'chromium',
      title: 'Chromium processes / sandbox browsers running',
      datasets: [
        { label: 'Chromium processes', data: minutes((s) => s.chromium) },
        { label: 'browsers running', data: minutes((s) => s.browsersRunning) },
      ],
    },
    { id: 'db', title: 'Database size (MB)', datasets: [{ label: report.options.database, data: minutes((s) => (s.dbBytes === null ? null : s.dbBytes / 1024 ** 2)) }] },
    { id: 'rate', title: 'Accounts per minute', datasets: [{ label: 'accounts/min (last minute)', data: minutes((s) => s.accountsPerMin) }] },
    {
      id: 'queue',
      title: 'Queue depth and accounts done',
      datasets: [
        { label: 'queue (pending + in progress)', data: minutes((s) => s.queue) },
        { label: 'done', data: minutes((s) => s.done) },
      ],
    },
  ]
  const o = report.options
  const rows = report.verdict.checks
    .map((c) => `<tr class="${c.status}"><td>${c.status.toUpperCase()}</td><td>${escapeHtml(c.name)}</td><td>${escapeHtml(c.detail)}</td></tr>`)
    .join('')
  const errors = report.errors.length
    ? report.errors.map((e) => `<tr class="${e.expected ? 'pass' : 'fail'}"><td>${escapeHtml(e.event)}</td><td>${e.count}</td><td>${escapeHtml(e.hosts.join(', '))}</td><td>${e.expected ? 'injected fault' : 'unexpected'}</td><td><code>${escapeHtml(e.example)}</code></td></tr>`).join('')
    : '<tr><td colspan="5">none</td></tr>'
  const last = run.at(-1)
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Soak report — ${o.accounts} accounts, ${o.hosts} host(s), ${o.database}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#1d2330}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d5d9e0;padding:4px 8px;text-align:left;vertical-align:top}
tr.pass td:first-child{color:#17803d;font-weight:600}tr.fail td:first-child{color:#c0262d;font-weight:600}tr.skipped td:first-child{color:#8a6d00;font-weight:600}
.verdict{font-size:18px;font-weight:700}.verdict.pass{color:#17803d}.verdict.fail{color:#c0262d}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:16px}.chart{border:1px solid #e3e6eb;padding:8px;height:280px}
code{font-size:12px;word-break:break-all}
</style></head><body>
<h1>Soak: ${o.accounts} accounts, ${o.hosts} host(s) × ${o.slots} slots, ${o.database}, fault rate ${o.faultRate}${o.sharedBrowser ? ', one shared Chromium' : ''}${o.killEveryMin ? `, a host killed every ${o.killEveryMin} min` : ''}</h1>
<p class="verdict ${report.verdict.passed ? 'pass' : 'fail'}">${report.verdict.passed ? 'PASSED' : 'FAILED'}</p>
<p>${escapeHtml(report.startedAt)} → ${escapeHtml(report.finishedAt)} (${(report.durationSec / 60).toFixed(1)} min); seed ${o.seed};
${last ? `${last.done}/${o.accounts} done` : ''}; kills ${report.kills}; CDP drops ${report.cdpDrops}; faults ${escapeHtml(Object.entries(report.faults).map(([f, n]) => `${f} ${n}`).join(', ') || 'none')}</p>
<h2>Verdict</h2><table><tr><th></th><th>Check</th><th>Detail</th></tr>${rows}</table>
<h2>Charts</h2><div class="grid">${charts.map((c) => `<div class="chart"><canvas id="${c.id}"></canvas></div>`).join('')}</div>
<h2>Error-level log lines</h2><table><tr><th>Event</th><th>Count</th><th>Hosts</th><th>Why</th><th>First line</th></tr>${errors}</table>
<h2>Warning-level log events</h2><table><tr><th>Event</th><th>Count</th></tr>${Object.entries(report.warnings).map(([event, count]) => `<tr><td>${escapeHtml(event)}</td><td>${count}</td></tr>`).join('') || '<tr><td colspan="2">none</td></tr>'}</table>
<script>${chartJsSource()}</script>
<script>
const charts = ${scriptJson(charts)};
const colours = ['#2563eb','#dc2626','#16a34a','#9333ea','#ea580c','#0891b2','#ca8a04','#db2777'];
for (const c of charts) {
  new Chart(document.getElementById(c.id), {
    type: 'line',
    data: { datasets: c.datasets.map((d, i) => ({ ...d, borderColor: colours[i % colours.length], backgroundColor: colours[i % colours.length], pointRadius: 0, borderWidth: 1.5, spanGaps: false })) },
    options: { animation: false, maintainAspectRatio: false, parsing: true, plugins: { title: { display: true, text: c.title } },
      scales: { x: { type: 'linear', title: { display: true, text: 'minutes' } }, y: { beginAtZero: true } } },
  });
}
document.body.dataset.chartsDrawn = String(charts.length);
</script>
</body></html>
`
}
