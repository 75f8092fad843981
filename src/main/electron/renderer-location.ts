import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** Files next to the built main bundle (`out/main/index.js` → `out/preload`, `out/renderer`). */
const mainDir = path.dirname(fileURLToPath(import.meta.url))

export const PRELOAD_PATH = path.join(mainDir, '../preload/index.cjs')
export const RENDERER_HTML_PATH = path.join(mainDir, '../renderer/index.html')

/** Where the app's own page is served from, and the one test of "is this URL our renderer?". */
export interface RendererLocation {
  /** `dev` loads the electron-vite dev server, `file` the built page. */
  readonly kind: 'dev' | 'file'
  /** What `loadURL` receives. */
  readonly url: string
  /** True only for the app's own page (any hash or query; same file or same dev-server origin). */
  isAppUrl(candidate: string): boolean
}

export interface RendererLocationOptions {
  isPackaged: boolean
  env?: NodeJS.ProcessEnv
  htmlPath?: string
  platform?: NodeJS.Platform
}

/**
 * A packaged app ignores `ELECTRON_RENDERER_URL`: otherwise anyone able to set an environment
 * variable could point the window (and its IPC access) at a page of their choosing.
 */
export function resolveRendererLocation(options: RendererLocationOptions): RendererLocation {
  const devUrl = options.isPackaged ? undefined : parseHttpUrl((options.env ?? process.env).ELECTRON_RENDERER_URL)
  if (devUrl) {
    return {
      kind: 'dev',
      url: devUrl.href,
      isAppUrl: (candidate) => parseHttpUrl(candidate)?.origin === devUrl.origin,
    }
  }
  const windows = (options.platform ?? process.platform) === 'win32'
  // From a Windows network share (\\server\share\…) the page is file://server/share/…: the host counts too.
  const fileUrl = pathToFileURL(options.htmlPath ?? RENDERER_HTML_PATH, { windows })
  // Windows paths are case-insensitive; Chromium may report the drive letter in another case.
  const fold = windows ? (s: string) => s.toLowerCase() : (s: string) => s
  const expected = fold(safeDecode(fileUrl.pathname))
  const expectedHost = fileUrl.host.toLowerCase()
  return {
    kind: 'file',
    url: fileUrl.href,
    isAppUrl(candidate) {
      const parsed = parseUrl(candidate)
      return parsed?.protocol === 'file:' && parsed.host.toLowerCase() === expectedHost && fold(safeDecode(parsed.pathname)) === expected
    },
  }
}

function parseHttpUrl(value: string | undefined): URL | null {
  const parsed = value ? parseUrl(value) : null
  return parsed && (parsed.protocol === 'http:' || parsed.protocol === 'https:') ? parsed : null
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value)
  } catch {
    return null
  }
}

function safeDecode(pathname: string): string {
  try {
    return decodeURIComponent(pathname)
  } catch {
    return pathname
  }
}
