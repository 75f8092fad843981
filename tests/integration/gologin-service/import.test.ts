import { describe, expect, it } from 'vitest'
import type { ImportPreview, ProfileRow } from '../../../src/shared/contract/profiles'
import { startPanel, type Panel } from './harness'

async function rowsByName(panel: Panel): Promise<Map<string, ProfileRow>> {
  const { rows } = await panel.call('profiles:list', { cursor: 0, limit: 10_000 })
  return new Map(rows.map((row) => [row.name, row]))
}

const errorsByLine = (preview: ImportPreview) => Object.fromEntries(preview.lines.filter((l) => l.error).map((l) => [l.line, l.error]))

const FILE_FULL_OF_MISTAKES = [
  'profile_name,twitter_username,api_app',
  'Profile 00001,alice_1,AIOTT1',
  'Profile 00002,@bob_2,aiott2',
  'Nope Profile,carol,AIOTT1',
  'Profile 00004,bad name!,AIOTT1',
  'Profile 00005,dave,AIOTT9',
  'Profile 00006,erin,AIOTT1',
  'Profile 00006,frank,AIOTT1',
  '',
  'Profile 00009,gina,AIOTT1',
  'Profile 00010,GINA,AIOTT2',
  'Profile 00011,user00012,AIOTT1',
  'Profile 00013,,AIOTT1',
  'Profile 00014,hank',
  'Profile 00015,user00016,AIOTT1',
  'Profile 00016,ivan,AIOTT2',
  'Profile 00017,jane,AIOTT1,extra',
].join('\n')

describe('CSV import of the account mapping', () => {
  it('previews a file full of mistakes line by line, applies nothing until confirmed, then only the valid lines', async () => {
    const panel = await startPanel({ sandbox: { profiles: 30 } })
    await panel.syncAndWait()

    const preview = await panel.call('profiles:importPreview', { csv: FILE_FULL_OF_MISTAKES, fileName: 'mapping.csv' })
    expect(preview).toMatchObject({ fileError: null, okCount: 4, errorCount: 11 })
    expect(preview.lines.map((l) => l.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17])
    expect(errorsByLine(preview)).toEqual({
      4: 'No GoLogin profile is named "Nope Profile" (sync profiles first if it is new)',
      5: '"bad name!" is not an X username (1–15 letters, digits or _)',
      6: 'API app "AIOTT9" is not configured (configured: AIOTT1, AIOTT2)',
      7: 'Profile "Profile 00006" is also on line 8',
      8: 'Profile "Profile 00006" is also on line 7',
      10: '@gina is also on line 11',
      11: '@GINA is also on line 10',
      12: expect.stringMatching(/^@user00012 is already mapped to profile "Profile 00012" \(\w+\)$/),
      13: 'twitter_username is empty',
      14: 'Expected 3 columns (profile_name, twitter_username, api_app), found 2',
      17: 'Expected 3 columns (profile_name, twitter_username, api_app), found 4',
    })
    const ok = preview.lines.filter((l) => !l.error)
    expect(ok.map((l) => [l.line, l.profileName, l.username, l.apiApp])).toEqual([
      [2, 'Profile 00001', 'alice_1', 'AIOTT1'],
      [3, 'Profile 00002', '@bob_2', 'aiott2'],
      [15, 'Profile 00015', 'user00016', 'AIOTT1'],
      [16, 'Profile 00016', 'ivan', 'AIOTT2'],
    ])
    expect(ok.every((l) => l.profileId)).toBe(true)

    // Nothing applied before the operator confirms.
    let rows = await rowsByName(panel)
    expect(rows.get('Profile 00001')).toMatchObject({ username: 'user00001', mappingSource: 'pattern' })
    expect(panel.pushed('profiles:reload').filter((e) => (e as { reason: string }).reason === 'import')).toHaveLength(0)

    expect(await panel.call('profiles:importApply', { previewId: preview.previewId })).toEqual({ applied: 4 })
    rows = await rowsByName(panel)
    expect(rows.get('Profile 00001')).toMatchObject({ username: 'alice_1', apiApp: 'AIOTT1', mappingSource: 'import' })
    expect(rows.get('Profile 00002')).toMatchObject({ username: 'bob_2', apiApp: 'AIOTT2', mappingSource: 'import' })
    expect(rows.get('Profile 00015')).toMatchObject({ username: 'user00016', mappingSource: 'import' })
    expect(rows.get('Profile 00016')).toMatchObject({ username: 'ivan', apiApp: 'AIOTT2', mappingSource: 'import' })
    // Lines with errors changed nothing.
    expect(rows.get('Profile 00006')).toMatchObject({ username: 'user00006', mappingSource: 'pattern' })
    expect(rows.get('Profile 00011')).toMatchObject({ username: 'user00011', mappingSource: 'pattern' })
    expect(panel.pushed('profiles:reload')).toContainEqual(expect.objectContaining({ reason: 'import' }))

    // A preview is applied once.
    expect(await panel.envelope('profiles:importApply', { previewId: preview.previewId })).toMatchObject({ success: false, errorCode: 'NOT_FOUND' })

    // Imported mappings survive the next sync.
    await panel.syncAndWait()
    expect((await rowsByName(panel)).get('Profile 00001')).toMatchObject({ username: 'alice_1', mappingSource: 'import' })
    expect((await panel.core.gologinService.getProfileForAccount('@ALICE_1')).name).toBe('Profile 00001')
  })

  it('reads a BOM + semicolon file with CRLF line ends and quoted fields', async () => {
    const panel = await startPanel({ sandbox: { profiles: 30 } })
    await panel.syncAndWait()
    const csv = '\uFEFFprofile_name;twitter_username;api_app\r\n"Profile 00020";"zed_20";AIOTT2\r\nprofile 00021;yann;AIOTT1\r\n'
    const preview = await panel.call('profiles:importPreview', { csv })
    expect(preview).toMatchObject({ fileError: null, okCount: 2, errorCount: 0 })
    expect(await panel.call('profiles:importApply', { previewId: preview.previewId })).toEqual({ applied: 2 })
    const rows = await rowsByName(panel)
    expect(rows.get('Profile 00020')).toMatchObject({ username: 'zed_20', apiApp: 'AIOTT2', mappingSource: 'import' })
    expect(rows.get('Profile 00021')).toMatchObject({ username: 'yann', apiApp: 'AIOTT1', mappingSource: 'import' })
  })

  it('rejects a malformed file as a whole with a fileError, without crashing', async () => {
    const panel = await startPanel({ sandbox: { profiles: 3 } })
    await panel.syncAndWait()
    const cases: Record<string, RegExp> = {
      '': /empty/,
      '\uFEFF\n\n': /empty/,
      'Profile 00001,alice,AIOTT1\n': /first line must be the header "profile_name,twitter_username,api_app"/,
      'name;user;app\nProfile 00001;alice;AIOTT1\n': /header "profile_name;twitter_username;api_app" \(found "name;user;app"\)/,
      [`PK\u0003\u0004\u0014\u0000\u0006\u0000\b\u0000\u0000\u0000!\u0000b\uFFFD\uFFFD`]: /not a UTF-8 text CSV/,
      [Buffer.from('profile_name,twitter_username,api_app\n', 'utf16le').toString('utf8')]: /not a UTF-8 text CSV/,
    }
    for (const [csv, message] of Object.entries(cases)) {
      const preview = await panel.call('profiles:importPreview', { csv })
      expect(preview).toMatchObject({ lines: [], okCount: 0, errorCount: 0 })
      expect(preview.fileError).toMatch(message)
      expect(await panel.envelope('profiles:importApply', { previewId: preview.previewId })).toMatchObject({ success: false, errorCode: 'NOT_FOUND' })
    }
  })

  it('applies nothing when a username was taken by another profile after the preview', async () => {
    const panel = await startPanel({ sandbox: { profiles: 30 } })
    await panel.syncAndWait()
    const preview = await panel.call('profiles:importPreview', { csv: 'profile_name,twitter_username,api_app\nProfile 00003,late_one,AIOTT1\nProfile 00004,other_one,AIOTT1\n' })
    expect(preview.okCount).toBe(2)
    const rows = await rowsByName(panel)
    await panel.call('profiles:updateMapping', { profileId: rows.get('Profile 00005')!.id, username: 'late_one' })
    const answer = await panel.envelope('profiles:importApply', { previewId: preview.previewId })
    expect(answer).toMatchObject({ success: false, errorCode: 'CONFLICT' })
    expect(answer.error).toMatch(/@late_one was mapped to profile "Profile 00005"/)
    const after = await rowsByName(panel)
    expect(after.get('Profile 00003')).toMatchObject({ username: 'user00003', mappingSource: 'pattern' })
    expect(after.get('Profile 00004')).toMatchObject({ username: 'user00004', mappingSource: 'pattern' })
  })

  it('rejects an operator edit whose username another profile holds, naming that profile', async () => {
    const panel = await startPanel({ sandbox: { profiles: 5 } })
    await panel.syncAndWait()
    const rows = await rowsByName(panel)
    const answer = await panel.envelope('profiles:updateMapping', { profileId: rows.get('Profile 00001')!.id, username: 'USER00002' })
    expect(answer).toMatchObject({ success: false, errorCode: 'CONFLICT' })
    expect(answer.error).toBe(`@USER00002 is already mapped to profile "Profile 00002" (${rows.get('Profile 00002')!.id}). Clear it there first.`)
    expect(await panel.envelope('profiles:updateMapping', { profileId: rows.get('Profile 00001')!.id, apiApp: 'NOPE' })).toMatchObject({
      success: false,
      errorCode: 'INVALID_API_APP',
    })
    expect(await panel.envelope('profiles:updateMapping', { profileId: rows.get('Profile 00001')!.id, username: 'not valid!' })).toMatchObject({
      success: false,
      errorCode: 'VALIDATION_ERROR',
    })
    expect(await panel.envelope('profiles:updateMapping', { profileId: 'no-such-profile', username: 'someone' })).toMatchObject({
      success: false,
      errorCode: 'PROFILE_NOT_FOUND',
    })
    // Clearing is an edit too: the next sync does not pattern-map the profile again.
    expect(await panel.call('profiles:updateMapping', { profileId: rows.get('Profile 00001')!.id, username: null, apiApp: null })).toMatchObject({
      username: null,
      apiApp: null,
      mappingSource: 'edit',
    })
    await panel.syncAndWait()
    expect((await rowsByName(panel)).get('Profile 00001')).toMatchObject({ username: null, mappingSource: 'edit' })
  })
})
