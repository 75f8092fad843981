import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { hostIdPath, readOrCreateHostId } from '../../../src/main/host-id'
import { tempDir } from '../../helpers/temp-dir'

describe('host-id file', () => {
  it('is made once per data folder as <hostname>/<random>, 0600, and read back at every start', () => {
    const dir = tempDir('host-id-')
    const first = readOrCreateHostId(dir, 'box-1')
    expect(first).toMatch(/^box-1\/[0-9a-f]{8}$/)
    expect(fs.statSync(hostIdPath(dir)).mode & 0o777).toBe(0o600)
    expect(readOrCreateHostId(dir, 'box-1')).toBe(first)
    expect(readOrCreateHostId(dir, 'box-1')).toBe(first)
  })

  it('differs between two data folders of one machine', () => {
    expect(readOrCreateHostId(tempDir('host-id-a-'), 'box')).not.toBe(readOrCreateHostId(tempDir('host-id-b-'), 'box'))
  })

  it('is made anew when the folder was copied to another machine, or the file holds no id', () => {
    const dir = tempDir('host-id-')
    const onA = readOrCreateHostId(dir, 'machine-a')
    const onB = readOrCreateHostId(dir, 'machine-b')
    expect(onB).toMatch(/^machine-b\//)
    expect(readOrCreateHostId(dir, 'machine-b')).toBe(onB)
    expect(onB).not.toBe(onA)
    fs.writeFileSync(hostIdPath(dir), 'garbage\n')
    expect(readOrCreateHostId(dir, 'machine-b')).toMatch(/^machine-b\/[0-9a-f]{8}$/)
    expect(fs.readdirSync(dir)).toEqual(['host-id'])
  })

  it('keeps a machine name that is not safe in an id readable', () => {
    const dir = path.join(tempDir('host-id-'), 'nested')
    expect(readOrCreateHostId(dir, 'my box (office)')).toMatch(/^my-box--office-\/[0-9a-f]{8}$/)
  })
})
