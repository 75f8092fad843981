/**
 * What the operator is told after the panel restarts from an unclean stop (a crash, a kill, a power cut) while
 * authorizations were under way: when it stopped and what became of each account (issue 21 row 6). Recovery
 * (crash-recovery.ts) decides their fate; this only words it for the banner.
 *
 * When it stopped: the log file is written synchronously line by line, so its last line before this start is the
 * last thing the previous run did (read before this run writes its own). Without a log, the latest start of one of
 * the recovered sessions is the nearest recorded sign of work.
 */
import fs from 'node:fs'
import type { RestartNotice } from '../../../shared/contract/system'
import type { RecoveryReport } from './crash-recovery'

/** How much of the log's end is read to find its last line. */
const TAIL_BYTES = 64 * 1024

/** The time (ISO) of the last well-formed line of a JSON-lines log file; null when there is none. */
export function lastLogTime(filePath: string): string | null {
  let fd: number
  try {
    fd = fs.openSync(filePath, 'r')
  } catch {
    return null
  }
  try {
    const size = fs.fstatSync(fd).size
    const length = Math.min(size, TAIL_BYTES)
    const buffer = Buffer.alloc(length)
    fs.readSync(fd, buffer, 0, length, size - length)
    const lines = buffer.toString('utf8').split('\n')
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i].trim()
      if (!line.startsWith('{')) continue
      try {
        const ts = (JSON.parse(line) as { ts?: unknown }).ts
        if (typeof ts === 'string' && !Number.isNaN(Date.parse(ts))) return new Date(ts).toISOString()
      } catch {
        // A line cut by the crash (or by the start of the tail): try the one before.
      }
    }
    return null
  } finally {
    fs.closeSync(fd)
  }
}

/** The banner's notice, or null when no authorization was under way (nothing to say). */
export function restartNotice(report: RecoveryReport, lastLogAt: string | null): RestartNotice | null {
  const resumed = report.resumed
  const failed = report.interrupted - resumed
  const notStarted = report.cancelled
  if (!failed && !notStarted && !resumed) return null
  const stoppedAt = lastLogAt ?? report.lastSessionActivityAt
  return {
    stoppedAt,
    stoppedAtSource: lastLogAt ? 'log' : stoppedAt ? 'sessions' : null,
    failed,
    notStarted,
    resumed,
    accounts: report.accounts,
  }
}
