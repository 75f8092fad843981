import { EmptyState } from '../../components/EmptyState'
import { PageHeader } from '../../components/PageHeader'

export function SessionsPage() {
  return (
    <>
      <PageHeader title="Sessions" />
      <EmptyState
        title="No authorization sessions yet"
        actions={
          <a className="button" href="#/logs">
            Open Logs
          </a>
        }
      >
        <p>
          Every authorization attempt will appear here, grouped by batch: its account, API app, status and step, how long it
          took, and — when it fails — why and whether a retry can help. Each session will link to its own log lines.
        </p>
        <p>Authorizations cannot be started from the panel yet, so there is nothing to show.</p>
      </EmptyState>
    </>
  )
}
