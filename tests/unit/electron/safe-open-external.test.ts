import { beforeEach, describe, expect, it, vi } from 'vitest'
import { recordingLogger, resetFakeElectron, shell } from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

const { checkExternalUrl, safeOpenExternal } = await import('../../../src/main/electron/safe-open-external')

beforeEach(() => resetFakeElectron())

describe('safeOpenExternal', () => {
  it.each([
    'https://developer.x.com/en/portal/dashboard',
    'https://app.gologin.com/',
    'http://127.0.0.1:4100/docs',
    'http://localhost:3000/',
    'http://[::1]:8080/',
  ])('opens %s in the system browser', async (url) => {
    expect(await safeOpenExternal(url, recordingLogger().log)).toBe(true)
    expect(shell.openExternal).toHaveBeenCalledWith(new URL(url).href)
  })

  it.each([
    ['javascript:alert(1)', /scheme javascript/],
    ['file:///etc/passwd', /scheme file/],
    ['data:text/html,hi', /scheme data/],
    ['vbscript:msgbox', /scheme vbscript/],
    ['smb://host/share', /scheme smb/],
    ['https://user:secret@example.com/', /credentials/],
    ['https://:secret@example.com/', /credentials/],
    ['http://example.com/', /plain http/],
    ['//example.com', /not a valid URL/],
    ['', /not a URL/],
    [`https://example.com/${'a'.repeat(3000)}`, /too long/],
  ])('refuses %s', async (url, reason) => {
    const verdict = checkExternalUrl(url)
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) expect(verdict.reason).toMatch(reason)
    const { log, lines } = recordingLogger()
    expect(await safeOpenExternal(url, log)).toBe(false)
    expect(shell.openExternal).not.toHaveBeenCalled()
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', event: 'external_link.refused' }))
  })

  it('never writes a refused URL (it may hold a token) to the log', async () => {
    const { log, lines } = recordingLogger()
    await safeOpenExternal('https://user:tok_SECRET@example.com/?access_token=tok_SECRET', log)
    expect(JSON.stringify(lines)).not.toContain('tok_SECRET')
  })

  it('reports false when the OS cannot open the link', async () => {
    shell.openExternal.mockRejectedValueOnce(new Error('no handler'))
    expect(await safeOpenExternal('https://example.com/', recordingLogger().log)).toBe(false)
  })
})
