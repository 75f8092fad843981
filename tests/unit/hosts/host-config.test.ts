/** host.json: this machine's slots, read at start-up and written from Settings → Database and hosts. */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { HOST_CONFIG_FILE, readHostConfig, writeHostConfig } from '../../../src/main/host-config'
import { tempDir } from '../../helpers/temp-dir'

describe('host.json', () => {
  it('is absent on a new host: slots follow the shared setting (null)', () => {
    expect(readHostConfig(tempDir())).toEqual({ slots: null, restApi: null })
  })

  it('writes the slots 0600 and reads them back; null goes back to the shared setting; no temp file is left', () => {
    const dir = tempDir()
    writeHostConfig(dir, { slots: 6 })
    const file = path.join(dir, HOST_CONFIG_FILE)
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ slots: 6, restApi: null })
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(readHostConfig(dir)).toEqual({ slots: 6, restApi: null })
    writeHostConfig(dir, { slots: null })
    expect(readHostConfig(dir)).toEqual({ slots: null, restApi: null })
    expect(fs.readdirSync(dir)).toEqual([HOST_CONFIG_FILE])
  })

  it('refuses slots out of range or not whole, naming the field, and keeps the file as it was', () => {
    const dir = tempDir()
    writeHostConfig(dir, { slots: 4 })
    for (const slots of [0, 51, 2.5]) {
      expect(() => writeHostConfig(dir, { slots })).toThrow(/^slots: .*a whole number from 1 to 50/)
    }
    expect(readHostConfig(dir)).toEqual({ slots: 4, restApi: null })
  })

  it('keeps the REST API exposure and the slots apart: writing one leaves the other', () => {
    const dir = tempDir()
    writeHostConfig(dir, { slots: 3 })
    writeHostConfig(dir, { restApi: { enabled: true, host: '0.0.0.0', port: 8123 } })
    expect(readHostConfig(dir)).toEqual({ slots: 3, restApi: { enabled: true, host: '0.0.0.0', port: 8123 } })
    writeHostConfig(dir, { slots: null })
    expect(readHostConfig(dir).restApi).toEqual({ enabled: true, host: '0.0.0.0', port: 8123 })
    expect(() => writeHostConfig(dir, { restApi: { enabled: true, host: 'a b', port: 70_000 } })).toThrow(/^restApi\.host: must be a host name or IP address/)
    fs.writeFileSync(path.join(dir, HOST_CONFIG_FILE), JSON.stringify({ restApi: { enabled: 'yes' } }))
    expect(() => readHostConfig(dir)).toThrow(/restApi\.enabled: .*"restApi" must read/)
  })

  it('a malformed file is a clear error naming the file and what it should hold', () => {
    const dir = tempDir()
    const file = path.join(dir, HOST_CONFIG_FILE)
    fs.writeFileSync(file, '{ slots: 3')
    expect(() => readHostConfig(dir)).toThrow(`${file} is not JSON; it should read {"slots": 5}`)
    fs.writeFileSync(file, JSON.stringify({ slots: 'many' }))
    expect(() => readHostConfig(dir)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: slots: .*"slots" must be a whole number from 1 to 50, or null`))
    fs.writeFileSync(file, JSON.stringify({ slots: 200 }))
    expect(() => readHostConfig(dir)).toThrow(/slots: /)
  })
})
