import { InfrastructureException } from '../../shared/errors'
import type { RequestChannel } from '../../shared/ipc-contract'
import type { PartialHandlerMap } from '../ipc/router'

/** TEMPORARY while the features are wired in: channels of the contract whose service is not built yet. */
const PENDING = [
  'profiles:list',
  'profiles:updateMapping',
  'profiles:sync',
  'profiles:syncStatus',
  'profiles:importPreview',
  'profiles:importApply',
  'gologin:testConnection',
  'sessions:list',
  'sessions:get',
  'sessions:screenshot',
  'sessions:batches',
  'batch:start',
  'batch:pause',
  'batch:resume',
  'batch:cancel',
  'batch:retry',
  'batch:active',
  'tokens:export',
  'monitor:get',
  'workers:runNow',
] as const satisfies readonly RequestChannel[]

export function pendingHandlers(): PartialHandlerMap<(typeof PENDING)[number]> {
  const notYet = () => {
    throw new InfrastructureException('INTERNAL_ERROR', 'This feature is not available yet.')
  }
  return Object.fromEntries(PENDING.map((channel) => [channel, notYet])) as never
}
