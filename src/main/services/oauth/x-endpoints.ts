/** Where X lives; every base URL is a setting so the panel can point at the sandbox or a stand-in. */
export interface XEndpoints {
  /** The consent page, e.g. `https://x.com/i/oauth2/authorize`. */
  authorizeUrl: string
  /** The API base, e.g. `https://api.x.com` (paths such as `/2/oauth2/token` are appended). */
  apiUrl: string
  /** OAuth 1.0a's legacy consent page, e.g. `https://api.x.com/oauth/authorize`. */
  oauth1AuthorizeUrl: string
}

export const DEFAULT_X_ENDPOINTS: XEndpoints = {
  authorizeUrl: 'https://x.com/i/oauth2/authorize',
  apiUrl: 'https://api.x.com',
  oauth1AuthorizeUrl: 'https://api.x.com/oauth/authorize',
}

/** `base` + `path` with exactly one slash between them (a base may carry a path prefix). */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}
