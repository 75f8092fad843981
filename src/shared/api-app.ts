/** An X developer app ("API app", e.g. AIOTT1) that accounts are authorized for. */
export interface ApiAppConfig {
  /** Unique name the operator uses, e.g. `AIOTT1`. */
  name: string
  oauthVersion: '2.0' | '1.0a'
  /** Confidential clients authenticate with Basic auth at the token endpoint; public ones send client_id. */
  clientType: 'confidential' | 'public'
  clientId: string
  /** Null for public clients. A secret: never logged, stored encrypted. */
  clientSecret: string | null
  redirectUri: string
  scopes: string[]
}

export const DEFAULT_SCOPES = ['tweet.read', 'tweet.write', 'users.read', 'offline.access'] as const
