import type { FailureExportResult } from '../../../../shared/contract/triage'
import { api } from '../../api'
import { errorMessage, plural } from '../../lib/format'
import { appStore } from '../../stores/app-store'

/** Offers text as a file download (browser mode: the panel has no save dialog there). */
function download(csv: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** "Export failures (CSV)": the failed, timed-out and cancelled attempts of a batch or of chosen sessions. */
export async function exportFailures(target: { batchId: string; statuses?: Array<'failed' | 'timeout' | 'cancelled'> } | { sessionIds: string[] }): Promise<void> {
  const { showToast } = appStore.getState()
  let result: FailureExportResult
  try {
    result = await api.call('triage:exportFailures', target)
  } catch (error) {
    showToast(`The failure list could not be exported: ${errorMessage(error)}`, 'error')
    return
  }
  if (result.mode === 'saved') showToast(`${plural(result.rows, 'failure')} written to ${result.path}`, 'success', 'Failures exported')
  else if (result.mode === 'text') {
    download(result.csv, result.fileName)
    showToast(`${plural(result.rows, 'failure')} → ${result.fileName} (see your downloads)`, 'success', 'Failures exported')
  }
}
