import type { z } from 'zod'

/** A request channel: a zod schema for what the caller sends and (type only) what it gets back. */
export interface RequestDef<I extends z.ZodType = z.ZodType, O = unknown> {
  input: I
  /** Phantom field: carries the output type, never read at run time. */
  output: O
}

/** Declares the output type of a request channel without a run-time value. */
export function returns<O>(): O {
  return undefined as O
}

export function request<I extends z.ZodType, O>(input: I, output: O): RequestDef<I, O> {
  return { input, output }
}

/**
 * How the main side batches an event channel before pushing it:
 * - `append`: every item is kept in order (log lines);
 * - `keyed`: items are partial updates merged by `id` within a batch window (sessions, profiles);
 * - `latest`: only the newest value in a window is sent (progress, monitor figures).
 */
export type EventMode = 'append' | 'keyed' | 'latest'

export interface EventDef<T = unknown> {
  mode: EventMode
  item: T
}

export function event<T>(mode: EventMode): EventDef<T> {
  return { mode, item: undefined as T }
}
