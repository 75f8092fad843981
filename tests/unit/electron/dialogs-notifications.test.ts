import { beforeEach, describe, expect, it, vi } from 'vitest'
import { BrowserWindow, dialog, Notification, resetFakeElectron } from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

const { chooseOpenFile, chooseSavePath, CSV_FILTERS } = await import('../../../src/main/electron/dialogs')
const { notify } = await import('../../../src/main/electron/notifications')

beforeEach(() => resetFakeElectron())

describe('file dialogs', () => {
  it('returns the chosen save path, modal to the focused window', async () => {
    const win = new BrowserWindow({})
    BrowserWindow.getFocusedWindow.mockReturnValueOnce(win)
    expect(await chooseSavePath({ defaultPath: 'tokens.csv', filters: CSV_FILTERS })).toBe('/tmp/out.csv')
    expect(dialog.showSaveDialog).toHaveBeenCalledWith(win, expect.objectContaining({ defaultPath: 'tokens.csv', filters: CSV_FILTERS }))
  })

  it('returns null when the operator cancels', async () => {
    dialog.showSaveDialog.mockResolvedValueOnce({ canceled: true, filePath: '' })
    dialog.showOpenDialog.mockResolvedValueOnce({ canceled: true, filePaths: [] })
    expect(await chooseSavePath({ defaultPath: 'tokens.csv' })).toBeNull()
    expect(await chooseOpenFile({ filters: CSV_FILTERS })).toBeNull()
  })

  it('returns the one file chosen to open', async () => {
    expect(await chooseOpenFile({ filters: CSV_FILTERS })).toBe('/tmp/in.csv')
    expect(dialog.showOpenDialog).toHaveBeenCalledWith(expect.objectContaining({ properties: ['openFile'] }))
  })
})

describe('notify', () => {
  it('shows an OS notification where supported', () => {
    expect(notify('Batch finished', '412 authorized, 3 failed')).toBe(true)
    expect(Notification.shown).toEqual([{ title: 'Batch finished', body: '412 authorized, 3 failed' }])
  })

  it('does nothing where the OS has no notifications', () => {
    Notification.supported = false
    expect(notify('Batch finished', 'done')).toBe(false)
    expect(Notification.shown).toEqual([])
  })
})
