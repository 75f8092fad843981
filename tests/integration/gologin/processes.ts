import fs from 'node:fs'

/** Whether a process is alive (a zombie waiting to be reaped counts as gone). */
export function isProcessAlive(pid: number): boolean {
  if (process.platform === 'linux') {
    const state = procState(pid)
    return state !== null && state !== 'Z' && state !== 'X'
  }
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Live (non-zombie) processes of a process group: a browser's renderers and helpers share its group. */
export function liveGroupMembers(pgid: number): number[] {
  if (process.platform !== 'linux') return isProcessAlive(pgid) ? [pgid] : []
  const members: number[] = []
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const stat = readStat(Number(name))
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(Number(name))
  }
  return members
}

function procState(pid: number): string | null {
  return readStat(pid)?.state ?? null
}

function readStat(pid: number): { state: string; pgrp: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // "pid (comm) state ppid pgrp …": comm may contain spaces, so split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return { state: fields[0], pgrp: Number(fields[2]) }
  } catch {
    return null
  }
}
