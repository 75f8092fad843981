/**
 * Profiles of the GoLogin sandbox: generated in bulk (up to 40,000+) with an X username in their
 * notes, and serialised the way GoLogin's `GET /browser/v2` does (including the proxy password the
 * panel must drop).
 */
import crypto from 'node:crypto'

export interface SandboxProxy {
  mode: 'http' | 'socks5' | 'gologin' | 'none'
  host: string
  port: number
  username: string
  password: string
  autoProxyRegion?: string
}

export interface SandboxProfile {
  id: string
  name: string
  notes: string
  folders: string[]
  tags: string[]
  os: 'win' | 'mac' | 'lin'
  proxy: SandboxProxy | null
}

/** What the sandbox does when the panel starts/stops a profile. */
export interface SandboxProfileBehaviour {
  /** The X account logged in in this profile's browser; `null` = logged out. Default: the `@name` in its notes. */
  xUsername?: string | null
  /** The local API takes this long before it answers start-profile. */
  startDelayMs?: number
  /** The next N start-profile calls fail (`Infinity`: all of them). */
  startFailures?: number
  /** `before-launch`: no browser is started; `after-launch`: the browser runs but the answer is an error. */
  startFailureMode?: 'before-launch' | 'after-launch'
  /** The next N stop-profile calls answer 500 and leave the browser running. */
  stopFailures?: number
  /** The next N stop-profile calls hang (no answer for `stopHangMs`, default 10 min) and stop nothing. */
  stopHangs?: number
  stopHangMs?: number
  /** The profile's browser goes through a proxy that refuses connections (every page load fails with a proxy error). */
  deadProxy?: boolean
}

const OSES = ['win', 'mac', 'lin'] as const

/** The X username a generated profile is mapped to (`user00042`). */
export function sandboxUsername(index: number): string {
  return `user${String(index).padStart(5, '0')}`
}

/** `count` profiles numbered from `startIndex`; ids look like GoLogin's (24 hex digits). */
export function generateProfiles(count: number, startIndex = 0): SandboxProfile[] {
  const runTag = crypto.randomBytes(2).toString('hex')
  const profiles: SandboxProfile[] = []
  for (let i = startIndex; i < startIndex + count; i++) {
    const username = sandboxUsername(i)
    profiles.push({
      id: `6650${runTag}${i.toString(16).padStart(16, '0')}`,
      name: `Profile ${String(i).padStart(5, '0')}`,
      notes: `@${username}`,
      folders: [`Batch ${Math.floor(i / 500) + 1}`],
      tags: ['x', i % 2 === 0 ? 'AIOTT1' : 'AIOTT2'],
      os: OSES[i % OSES.length],
      proxy:
        i % 4 === 3
          ? { mode: 'gologin', host: '', port: 0, username: '', password: '', autoProxyRegion: ['us', 'de', 'gb'][i % 3] }
          : {
              mode: i % 2 === 0 ? 'http' : 'socks5',
              host: `proxy${i % 50}.sandbox.invalid`,
              port: 10_000 + (i % 1_000),
              username: `px${i}`,
              password: `pw-${crypto.randomBytes(6).toString('hex')}`,
            },
    })
  }
  return profiles
}

/** The username in a profile's notes (`@user00042` → `user00042`), if any. */
export function usernameFromNotes(notes: string): string | null {
  return /@([A-Za-z0-9_]{1,15})/.exec(notes)?.[1] ?? null
}

/** A profile as GoLogin's API serialises it (a subset of its many fields). */
export function toApiProfile(profile: SandboxProfile): Record<string, unknown> {
  return {
    id: profile.id,
    name: profile.name,
    notes: profile.notes,
    role: 'owner',
    browserType: 'chrome',
    os: profile.os,
    folders: profile.folders,
    tags: profile.tags,
    proxyEnabled: profile.proxy !== null && profile.proxy.mode !== 'none',
    proxy: profile.proxy ?? { mode: 'none', host: '', port: 80, username: '', password: '' },
    canBeRunning: true,
    createdAt: '2024-05-01T00:00:00.000Z',
    updatedAt: '2024-05-01T00:00:00.000Z',
  }
}
