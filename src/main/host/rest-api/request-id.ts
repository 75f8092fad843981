import { randomUUID } from 'node:crypto'

/** A caller's id is echoed only if it is short and plain (it goes into headers and log lines). */
const SANE_REQUEST_ID = /^[\w.:-]{1,100}$/

/** The caller's `X-Request-ID` when sane, else a new UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : randomUUID()
}
