import { DEFAULT_SCOPES } from '../../../shared/api-app'
import { apiAppInputSchema, type ApiAppInput } from '../../../shared/contract/settings'
import type { EnvProblem } from '../settings/env-overrides'

/** Field of an API app → the suffix of the variable that sets it. */
const FIELD_VARIABLE: Record<string, string> = { clientId: 'CLIENT_ID', clientSecret: 'CLIENT_SECRET', redirectUri: 'CALLBACK_URL', name: 'CALLBACK_URL' }

export interface EnvApiApps {
  apps: Array<Required<Pick<ApiAppInput, 'name' | 'clientId' | 'redirectUri'>> & { clientSecret: string; scopes: string[] }>
  problems: EnvProblem[]
}

/**
 * API apps defined by the origin service's variables `<APP>_CLIENT_ID`, `<APP>_CLIENT_SECRET` and
 * `<APP>_CALLBACK_URL` (e.g. AIOTT1_…): confidential OAuth 2.0 clients with the default scopes.
 * A `<APP>_CALLBACK_URL` is what declares an app, so unrelated `FOO_CLIENT_ID` variables are ignored.
 */
export function readEnvApiApps(env: NodeJS.ProcessEnv): EnvApiApps {
  const result: EnvApiApps = { apps: [], problems: [] }
  const prefixes = Object.keys(env)
    .map((variable) => /^([A-Z0-9][A-Z0-9_]*)_CALLBACK_URL$/.exec(variable)?.[1])
    .filter((prefix): prefix is string => Boolean(prefix) && Boolean(env[`${prefix}_CALLBACK_URL`]?.trim()))
    .sort()
  for (const prefix of prefixes) {
    const read = (suffix: string) => env[`${prefix}_${suffix}`]?.trim() || undefined
    const clientId = read('CLIENT_ID')
    const clientSecret = read('CLIENT_SECRET')
    const missing = [!clientId && `${prefix}_CLIENT_ID`, !clientSecret && `${prefix}_CLIENT_SECRET`].filter(Boolean)
    if (missing.length) {
      result.problems.push({ variable: String(missing[0]), message: `${missing.join(' and ')} must be set because ${prefix}_CALLBACK_URL defines the API app ${prefix}` })
      continue
    }
    const parsed = apiAppInputSchema.safeParse({ name: prefix, clientId, clientSecret, redirectUri: read('CALLBACK_URL'), scopes: [...DEFAULT_SCOPES] })
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? 'name')
        const variable = `${prefix}_${FIELD_VARIABLE[field] ?? 'CALLBACK_URL'}`
        const message = field === 'name' ? `${prefix} (the prefix of ${variable}) ${issue.message}` : `${variable} ${issue.message}`
        result.problems.push({ variable, message })
      }
      continue
    }
    result.apps.push({ name: parsed.data.name, clientId: parsed.data.clientId, clientSecret: clientSecret!, redirectUri: parsed.data.redirectUri, scopes: parsed.data.scopes })
  }
  return result
}
