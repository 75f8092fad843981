import { EmptyState } from '../../components/EmptyState'
import { PageHeader } from '../../components/PageHeader'

export function ProfilesPage() {
  return (
    <>
      <PageHeader title="Profiles" />
      <EmptyState
        title="The profile grid is not built yet"
        actions={
          <a className="button" href="#/logs">
            Open Logs
          </a>
        }
      >
        <p>
          This page will list every GoLogin profile synced from your account — tens of thousands of rows — with its X
          username, API app and token status. You will filter and select rows here and start <strong>Authorize selected</strong>.
        </p>
        <p>Until then, nothing can be synced or authorized from the panel. The Logs page shows what the panel is doing.</p>
      </EmptyState>
    </>
  )
}
