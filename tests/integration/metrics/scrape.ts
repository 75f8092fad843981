/** Reading a Prometheus text scrape in tests: samples by name and labels, and the metric names a dashboard's PromQL uses. */
import fs from 'node:fs'
import path from 'node:path'

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export function parseScrape(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line)
    if (!match) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2]
    samples.push({ name: match[1], labels, value: Number(match[3]) })
  }
  return samples
}

/** The sum of the samples of `name` whose labels include `labels`. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0)
}

/**
 * The median and fastest time of `times` requests in a row, and the last answer: one request on a loaded machine
 * (2 cores shared by tests and browsers) can wait for the scheduler.
 */
export async function medianAnswer(url: string, times = 5): Promise<{ status: number; body: string; ms: number; fastestMs: number }> {
  const runs: Array<{ status: number; body: string; ms: number }> = []
  for (let n = 0; n < times; n++) {
    const began = performance.now()
    const response = await fetch(url)
    const body = await response.text()
    runs.push({ status: response.status, body, ms: performance.now() - began })
  }
  const sorted = runs.map((run) => run.ms).sort((a, b) => a - b)
  return { ...runs.at(-1)!, ms: sorted[Math.floor(sorted.length / 2)], fastestMs: sorted[0] }
}

export const DASHBOARD_FILE = path.resolve(import.meta.dirname, '../../../resources/grafana/gologin-panel.json')

const PROMQL_WORDS = new Set(['sum', 'rate', 'increase', 'irate', 'by', 'without', 'histogram_quantile', 'max', 'min', 'avg', 'count', 'le', 'on', 'ignoring', 'group_left', 'clamp_min', 'topk', 'or', 'and', 'unless', 'bool', 'offset', 'time', 'vector', 'label_replace', 'abs', 'deriv', 'delta', 'changes', 'resets', 'scalar'])

/** Every metric name the dashboard's queries read (the identifiers of its PromQL that are neither functions, keywords nor label names). */
export function dashboardMetricNames(): string[] {
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> }
  const names = new Set<string>()
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) {
      // Drop label matchers ({...}), grouping clauses (by (...)) and ranges ([5m]), then take the identifiers left.
      const bare = target.expr
        .replace(/\{[^}]*\}/g, '')
        .replace(/\b(by|without)\s*\([^)]*\)/g, '')
        .replace(/\[[^\]]*\]/g, '')
        .replace(/"[^"]*"/g, '')
      for (const [word] of bare.matchAll(/[a-zA-Z_:][\w:]*/g)) if (!PROMQL_WORDS.has(word) && !/^\d/.test(word)) names.add(word)
    }
  }
  return [...names].sort()
}
