import { z } from 'zod'
import { request, returns } from './define'

/**
 * The passphrase's length bound (PASSPHRASE_MAX_LENGTH, not imported: that module loads zxcvbn); its strength is
 * checked by main on export (src/shared/passphrase-strength.ts).
 */
const passphrase = z.string().max(1024, 'A passphrase has at most 1,024 characters.')

export type DataKeyExportResult =
  /** Desktop: written where the operator chose. */
  | { mode: 'saved'; path: string; fileName: string; keyId: string }
  /** Browser mode: the file itself (the key encrypted with the passphrase), for the renderer to download. */
  | { mode: 'download'; fileName: string; content: string; keyId: string }
  | { mode: 'cancelled' }

export type DataKeyImportResult =
  /** Installed in this host's key store; `restartRequired` when it differs from the key the panel runs with. */
  | { status: 'installed'; keyId: string; backup: string | null; restartRequired: boolean; message: string }
  /** The file holds the key this host already has. */
  | { status: 'unchanged'; keyId: string; message: string }
  | { status: 'cancelled' }

export const dataKeyContract = {
  /** Export the data key as a passphrase-protected file (save dialog on the desktop, a download in browser mode). */
  'dataKey:export': request(z.object({ passphrase }).strict(), returns<DataKeyExportResult>()),
  /** Import a key file into this host's key store; without `file` the desktop app asks for one with a dialog. */
  'dataKey:import': request(
    z
      .object({
        passphrase,
        file: z.object({ name: z.string().max(300).optional(), content: z.string().max(64 * 1024) }).strict().optional(),
      })
      .strict(),
    returns<DataKeyImportResult>(),
  ),
}
