/**
 * The shape of GoLogin's `GET /browser/v2` answer, checked with zod, and the mapping to the panel's
 * plain `GoLoginProfile`. Only the fields the panel uses are read; the rest of GoLogin’s (large)
 * profile object, the proxy password included, is stripped while parsing.
 */
import { z } from 'zod'
import type { GoLoginProfile, GoLoginProfilePage, GoLoginProxy } from './types'

const optionalText = z.string().nullish()

const tagSchema = z.union([z.string(), z.object({ title: z.string() })])

const proxySchema = z
  .object({
    mode: optionalText,
    host: optionalText,
    port: z.union([z.number(), z.string()]).nullish(),
    username: optionalText,
    country: optionalText,
    autoProxyRegion: optionalText,
    torProxyRegion: optionalText,
  })
  

const profileSchema = z
  .object({
    id: z.string().min(1),
    name: z.string(),
    notes: optionalText,
    os: optionalText,
    folders: z.array(z.string()).nullish(),
    folder: optionalText,
    tags: z.array(tagSchema).nullish(),
    proxy: proxySchema.nullish(),
    proxyRegion: optionalText,
  })
  

export const profilePageSchema = z
  .object({
    profiles: z.array(profileSchema),
    allProfilesCount: z.number().int().nonnegative(),
  })
  

type RawProfile = z.infer<typeof profileSchema>

/** Names what is wrong with an answer (paths and expectations, never the values themselves). */
export function describeShapeProblem(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    const where = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') : 'the answer'
    return `${where.replace(/^\./, '')}: ${issue.message}`
  })
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : ''
  return `${shown.join('; ')}${more}`
}

export function parseProfilePage(page: number, body: unknown): GoLoginProfilePage | z.ZodError {
  const result = profilePageSchema.safeParse(body)
  if (!result.success) return result.error
  return { page, profiles: result.data.profiles.map(toGoLoginProfile), allProfilesCount: result.data.allProfilesCount }
}

export function toGoLoginProfile(raw: RawProfile): GoLoginProfile {
  return {
    id: raw.id,
    name: raw.name,
    notes: raw.notes ?? '',
    folders: raw.folders ?? (raw.folder ? [raw.folder] : []),
    tags: (raw.tags ?? []).map((tag) => (typeof tag === 'string' ? tag : tag.title)),
    os: raw.os ?? '',
    proxy: toProxy(raw),
  }
}

function toProxy(raw: RawProfile): GoLoginProxy | null {
  const proxy = raw.proxy
  if (!proxy || !proxy.mode || proxy.mode === 'none') return null
  const port = proxy.port === null || proxy.port === undefined || proxy.port === '' ? null : Number(proxy.port)
  return {
    mode: proxy.mode,
    host: proxy.host || null,
    port: port !== null && Number.isInteger(port) ? port : null,
    username: proxy.username || null,
    country: proxy.country || proxy.autoProxyRegion || proxy.torProxyRegion || raw.proxyRegion || null,
  }
}
