/**
 * The mapping import stays bounded whatever file it is given: over the stated limit (20 MB) it is refused with a
 * sentence naming the limit, and under it the preview answers counts and the first problems, never every line.
 */
import fs from 'node:fs'
import path from 'node:path'
import v8 from 'node:v8'
import vm from 'node:vm'
import { describe, expect, it } from 'vitest'
import { IMPORT_PREVIEW_ERRORS, IMPORT_PREVIEW_OK, type ImportPreview } from '../../../src/shared/contract/profiles'
import { tempDir } from '../../helpers/temp-dir'
import { startPanel } from './harness'

const HEADER = 'profile_name,twitter_username,api_app\n'
const MB = 1024 * 1024

v8.setFlagsFromString('--expose-gc')
const collectGarbage = vm.runInNewContext('gc') as () => void
/** The heap still in use, garbage collected first: what the import holds on to, not what the collector has not reached yet. */
function heapInUse(): number {
  collectGarbage()
  return process.memoryUsage().heapUsed
}

/** Writes a mapping CSV of about `bytes` (lines of profiles no one has, each a problem) and reads it back as text. */
function generatedCsv(bytes: number, okLines: string[] = []): string {
  const file = path.join(tempDir(), 'mapping.csv')
  const out = fs.openSync(file, 'w')
  fs.writeSync(out, HEADER + okLines.map((line) => `${line}\n`).join(''))
  let written = 0
  for (let block = 0; written < bytes; block++) {
    let text = ''
    for (let i = 0; i < 2_000; i++) text += `Missing profile ${block}-${i},someone_${i % 1000},AIOTT1\n`
    fs.writeSync(out, text)
    written += text.length
  }
  fs.closeSync(out)
  return fs.readFileSync(file, 'utf8')
}

describe('mapping import bounds', () => {
  it('refuses a 45 MB file with a sentence naming the 20 MB limit, in a small answer and bounded memory', async () => {
    const panel = await startPanel({ sandbox: { profiles: 5 } })
    const heapBefore = heapInUse()
    const csv = generatedCsv(45 * MB)
    expect(csv.length).toBeGreaterThan(45 * MB)
    const answer = await panel.envelope('profiles:importPreview', { csv, fileName: 'huge.csv' })
    expect(answer).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR' })
    expect(answer.error).toMatch(/over the 20 MB import limit/)
    expect(JSON.stringify(answer).length).toBeLessThan(1 * MB)
    expect(heapInUse() - heapBefore).toBeLessThan(200 * MB)
  })

  it('counts bytes, not characters: 7.5 million three-byte characters (22 MB) are refused too', async () => {
    const panel = await startPanel({ sandbox: { profiles: 5 } })
    const csv = `${HEADER}Profile 00001,${'€'.repeat(7.5 * 1_000_000)},AIOTT1\n`
    const preview = await panel.call('profiles:importPreview', { csv })
    expect(preview).toMatchObject({ lines: [], okCount: 0, errorCount: 0 })
    expect(preview.fileError).toMatch(/^The file is 21\.5 MB; the import limit is 20 MB\. Split it into smaller files/)
  })

  it('previews a 12 MB file full of problems with the counts and only the first problems, in well under 1 MB', async () => {
    const panel = await startPanel({ sandbox: { profiles: 40 } })
    await panel.syncAndWait()
    const okLines = Array.from({ length: 30 }, (_, i) => `Profile ${String(i + 1).padStart(5, '0')},fresh_${i},AIOTT1`)
    const heapBefore = heapInUse()
    const csv = generatedCsv(12 * MB, okLines)
    const preview: ImportPreview = await panel.call('profiles:importPreview', { csv, fileName: 'big.csv' })
    const total = csv.split('\n').length - 2
    expect(preview).toMatchObject({ fileError: null, okCount: 30, errorCount: total - 30, moreOk: 0, moreErrors: total - 30 - IMPORT_PREVIEW_ERRORS })
    expect(preview.lines.filter((line) => line.error)).toHaveLength(IMPORT_PREVIEW_ERRORS)
    expect(preview.lines.filter((line) => !line.error)).toHaveLength(30)
    expect(IMPORT_PREVIEW_OK).toBeGreaterThanOrEqual(30)
    // The first problems of the file, in file order, after the lines that can be applied.
    expect(preview.lines.map((line) => line.line)).toEqual(Array.from({ length: 30 + IMPORT_PREVIEW_ERRORS }, (_, i) => i + 2))
    expect(preview.lines[30].error).toBe('No GoLogin profile is named "Missing profile 0-0" (sync profiles first if it is new)')
    expect(JSON.stringify(preview).length).toBeLessThan(1 * MB)
    expect(heapInUse() - heapBefore).toBeLessThan(200 * MB)
    // The 30 valid lines still apply.
    expect(await panel.call('profiles:importApply', { previewId: preview.previewId })).toEqual({ applied: 30 })
  })

  it('clips a huge field echoed back in a line and in its error', async () => {
    const panel = await startPanel({ sandbox: { profiles: 5 } })
    const preview = await panel.call('profiles:importPreview', { csv: `${HEADER}${'N'.repeat(1_000_000)},alice,AIOTT1\n` })
    expect(preview.errorCount).toBe(1)
    expect(preview.lines[0].profileName).toHaveLength(160)
    expect(preview.lines[0].error!.length).toBeLessThanOrEqual(160)
    expect(JSON.stringify(preview).length).toBeLessThan(2_000)
  })
})
