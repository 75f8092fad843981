import type { EventHub } from '../../ipc/event-hub'
import type { HostHealthState } from '../hosts/host-health'

/**
 * A notice (and alert) when this host becomes unhealthy, or unhealthy for another reason: once per problem, not
 * every check it lasts. Answers the function that stops watching.
 */
export function watchHostHealth(deps: { state: () => HostHealthState; hostId: string; events: Pick<EventHub, 'emit'>; everyMs?: number }): () => void {
  let reported: string | null = null
  const check = () => {
    const state = deps.state()
    if (state.ok) {
      reported = null
      return
    }
    if (state.reason === reported) return
    reported = state.reason
    deps.events.emit('notice', {
      id: `host-unhealthy-${deps.hostId}-${Date.now()}`,
      level: 'warn',
      title: `Host ${deps.hostId} is unhealthy`,
      body: `${state.reason}. It claims no work until this is resolved.`,
      alert: { kind: 'host_offline', key: `host-unhealthy:${deps.hostId}:${state.reason}` },
    })
  }
  const timer = setInterval(check, deps.everyMs ?? 10_000)
  timer.unref()
  return () => clearInterval(timer)
}
