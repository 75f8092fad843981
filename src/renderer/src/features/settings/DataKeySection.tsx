import { useState } from 'react'
import type { SystemInfo } from '../../../../shared/contract/system'
import { DataKeyExportDialog } from './DataKeyExportDialog'
import { DataKeyImportDialog } from './DataKeyImportDialog'

/** About and security → the data key: its fingerprint, export and import for the hosts of a shared database. */
export function DataKeySection({ info }: { info: SystemInfo }) {
  const [open, setOpen] = useState<'export' | 'import' | null>(null)
  const [pending, setPending] = useState<string | null>(null)
  return (
    <div className="data-key">
      <p className="section-help">
        Every host of one shared database needs this same data key (the same fingerprint); it is never stored in the database. Export it here
        and give it to the other hosts (Database and hosts → Join a shared PostgreSQL database, or Import data key… here), or start a host with{' '}
        <code>DATA_KEY_FILE</code> and <code>DATA_KEY_PASSPHRASE</code>.
      </p>
      <div className="button-row">
        <button type="button" className="button" onClick={() => setOpen('export')}>
          Export data key…
        </button>
        <button type="button" className="button" onClick={() => setOpen('import')}>
          Import data key…
        </button>
      </div>
      {pending ? (
        <p className="setting-error" role="status">
          Data key {pending} is installed: restart the panel to use it.
        </p>
      ) : null}
      {open === 'export' ? <DataKeyExportDialog onClose={() => setOpen(null)} /> : null}
      {open === 'import' ? (
        <DataKeyImportDialog
          upload={info.mode === 'browser'}
          onClose={() => setOpen(null)}
          onInstalled={(result) => setPending(result.restartRequired ? result.keyId : null)}
        />
      ) : null}
    </div>
  )
}
