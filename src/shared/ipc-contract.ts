/**
 * The one IPC contract: every request channel (zod input schema + output type) and every event
 * channel. Main, preload, renderer and the browser-mode WebSocket are all typed from it.
 *
 * Each feature declares its channels in `contract/<feature>.ts`; add the feature here once.
 */
import type { z } from 'zod'
import { alertsContract } from './contract/alerts'
import { apiKeysContract } from './contract/api-keys'
import { batchesContract, batchesEvents } from './contract/batches'
import { dataKeyContract } from './contract/data-key'
import type { EventDef, RequestDef } from './contract/define'
import { hostsContract, hostsEvents } from './contract/hosts'
import { logsContract, logsEvents } from './contract/logs'
import { monitorContract, monitorEvents } from './contract/monitor'
import { profilesContract, profilesEvents } from './contract/profiles'
import { sessionsContract, sessionsEvents } from './contract/sessions'
import { settingsContract, settingsEvents } from './contract/settings'
import { systemContract, systemEvents } from './contract/system'
import { tokensContract } from './contract/tokens'
import { triageContract } from './contract/triage'

export const requestContract = {
  ...systemContract,
  ...logsContract,
  ...settingsContract,
  ...profilesContract,
  ...sessionsContract,
  ...batchesContract,
  ...tokensContract,
  ...triageContract,
  ...monitorContract,
  ...apiKeysContract,
  ...dataKeyContract,
  ...hostsContract,
  ...alertsContract,
} satisfies Record<string, RequestDef>

export const eventContract = {
  ...logsEvents,
  ...settingsEvents,
  ...profilesEvents,
  ...sessionsEvents,
  ...batchesEvents,
  ...monitorEvents,
  ...systemEvents,
  ...hostsEvents,
} satisfies Record<string, EventDef>

export type RequestContract = typeof requestContract
export type RequestChannel = keyof RequestContract
export type EventContract = typeof eventContract
export type EventChannel = keyof EventContract

/** What the caller passes (before zod defaults are applied). */
export type RequestInput<C extends RequestChannel> = z.input<RequestContract[C]['input']>
/** What the handler receives (after zod parsing and defaults). */
export type ParsedInput<C extends RequestChannel> = z.output<RequestContract[C]['input']>
export type RequestOutput<C extends RequestChannel> = RequestContract[C]['output']
export type EventItem<E extends EventChannel> = EventContract[E]['item']

/** One pushed message: the items of one event channel gathered during one batch window. */
export interface EventBatch<E extends EventChannel = EventChannel> {
  channel: E
  items: EventItem<E>[]
}

export function isRequestChannel(value: unknown): value is RequestChannel {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(requestContract, value)
}
