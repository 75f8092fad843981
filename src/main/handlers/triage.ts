import type { PartialHandlerMap } from '../ipc/router'
import type { FailureTriage } from '../services/automation/failure-triage'

/** Failures triaged: "needs a manual fix", opening a profile to fix it by hand, the failure list as CSV. */
export function triageHandlers(
  triage: FailureTriage,
): PartialHandlerMap<'triage:mark' | 'triage:clear' | 'triage:open' | 'triage:done' | 'triage:opened' | 'triage:exportFailures'> {
  return {
    'triage:mark': ({ profileIds }) => triage.mark(profileIds),
    'triage:clear': ({ profileIds }) => triage.clear(profileIds),
    'triage:open': ({ profileId }) => triage.open(profileId),
    'triage:done': ({ profileId, clearMark }) => triage.done(profileId, { clearMark }),
    'triage:opened': () => triage.list(),
    'triage:exportFailures': (target) => triage.exportFailures(target),
  }
}
