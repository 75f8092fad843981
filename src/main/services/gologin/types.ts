/**
 * Plain types of the GoLogin part of the panel: what a profile looks like once it has crossed the
 * boundary (no proxy password), how a started profile's browser is reached, and the collaborators
 * GoLogin code receives through its constructors.
 */

/** A GoLogin profile as the panel keeps it. The proxy password never gets this far. */
export interface GoLoginProfile {
  id: string
  name: string
  notes: string
  folders: string[]
  tags: string[]
  /** GoLogin's OS code: `win`, `mac`, `lin`, `android`… (empty when GoLogin did not say). */
  os: string
  proxy: GoLoginProxy | null
}

export interface GoLoginProxy {
  /** `http`, `socks4`, `socks5`, `gologin`, `tor`… */
  mode: string
  host: string | null
  port: number | null
  username: string | null
  /** Region/country code of GoLogin's own proxies (`us`, `de`…), when known. */
  country: string | null
}

/** One page of `GET /browser/v2`. */
export interface GoLoginProfilePage {
  /** 1-based page number. */
  page: number
  profiles: GoLoginProfile[]
  /** GoLogin's total at the time this page was served. */
  allProfilesCount: number
}

/** Where to reach a started profile's browser over CDP (puppeteer `connect` accepts either). */
export type CdpEndpoint = { browserWSEndpoint: string } | { browserURL: string }

export interface StartProfileOptions {
  signal?: AbortSignal
}

/** Starts and stops GoLogin profiles (desktop app, cloud browser, …). */
export interface ProfileLauncher {
  /** Which kind of launcher this is, for logs and the status bar. */
  readonly kind: string
  start(profileId: string, options?: StartProfileOptions): Promise<CdpEndpoint>
  /** Stops the profile; stopping a profile that is not running is not an error. */
  stop(profileId: string, options?: StartProfileOptions): Promise<void>
  /** Wraps the CDP connect when connecting is itself a GoLogin request (the cloud browser: it starts the profile). */
  guardConnect?<T>(profileId: string, connect: () => Promise<T>): Promise<T>
}

/** Records which profiles are running (the `in_use` column); the DB layer implements it. */
export interface ProfileUsageStore {
  markInUse(profileId: string, inUse: boolean): Promise<void>
}

/** Anything that learns secrets so it can scrub them (the log system's redactor). */
export interface SecretRegistry {
  addSecret(value: string | null | undefined): void
}
