/**
 * What the soak reads from outside the hosts: a process's RSS and open file descriptors (/proc), its JS heap from a
 * worker's `/metrics` (prom-client's default metrics), the Chromium processes under the sandbox's browser folders
 * (each browser found by its `--user-data-dir`, plus its children: renderers and helpers do not repeat the flag).
 */
import fs from 'node:fs'

/** Resident memory in bytes (VmRSS), or null once the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) * 1024 : null
  } catch {
    return null
  }
}

/** Open file descriptors, or null once the process is gone. */
export function openFds(pid: number): number | null {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length
  } catch {
    return null
  }
}

/** `nodejs_heap_size_used_bytes` from a Prometheus text body, or null. */
export function heapUsedFromMetrics(body: string): number | null {
  const match = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})?\s+(\S+)/m.exec(body)
  return match ? Number(match[1]) : null
}

export async function fetchHeapUsed(metricsUrl: string): Promise<number | null> {
  try {
    const response = await fetch(new URL('/metrics', metricsUrl), { signal: AbortSignal.timeout(3_000) })
    if (!response.ok) return null
    return heapUsedFromMetrics(await response.text())
  } catch {
    return null
  }
}

/** Processes of the sandbox's browsers: those whose command line names a folder under `workDir`, and their descendants. */
export function chromiumProcesses(workDir: string): number {
  const parents = new Map<number, number>()
  const roots = new Set<number>()
  let names: string[]
  try {
    names = fs.readdirSync('/proc')
  } catch {
    return 0
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue
    const pid = Number(name)
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
      // The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parents.set(pid, Number(fields[1]))
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(workDir)) roots.add(pid)
    } catch {
      // Gone while read.
    }
  }
  let count = 0
  for (const pid of parents.keys()) {
    let at: number | undefined = pid
    for (let depth = 0; at && depth < 64; depth++) {
      if (roots.has(at)) {
        count++
        break
      }
      at = parents.get(at)
    }
  }
  return count
}
