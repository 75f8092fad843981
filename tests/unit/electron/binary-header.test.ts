import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { binaryMismatch, parseBinaryHeader } from '../../../scripts/binary-header.mjs'
import { tempDir } from '../../helpers/temp-dir'

/** The first 4 KiB of real shared libraries (bare-fs prebuilds) for each platform and arch. */
const FIXTURES = path.join(import.meta.dirname, '..', '..', 'fixtures', 'binaries')
const head = (name: string) => fs.readFileSync(path.join(FIXTURES, `${name}.head`))
const TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'] as const

function file(bytes: Buffer | string): string {
  const where = path.join(tempDir(), 'better_sqlite3.node')
  fs.writeFileSync(where, bytes)
  return where
}

/** A universal Mach-O header naming x86_64 and arm64 (as lipo writes it). */
function universal(): Buffer {
  const header = Buffer.alloc(8 + 2 * 20)
  header.writeUInt32BE(0xcafebabe, 0)
  header.writeUInt32BE(2, 4)
  header.writeInt32BE(0x01000007, 8)
  header.writeInt32BE(0x0100000c, 28)
  return Buffer.concat([header, Buffer.alloc(4096)])
}

describe('native binary headers', () => {
  it.each(TARGETS)('reads %s from a real library header', (target) => {
    const [platform, arch] = target.split('-')
    const header = parseBinaryHeader(head(target))
    expect(header).toMatchObject({ platform, arches: [arch], bits: 64, format: { linux: 'ELF', darwin: 'Mach-O', win32: 'PE' }[platform] })
  })

  it('reads a 32-bit ELF and a universal Mach-O', () => {
    expect(parseBinaryHeader(head('elf32-ia32'))).toEqual({ format: 'ELF', platform: 'linux', arches: ['ia32'], bits: 32 })
    expect(parseBinaryHeader(universal())).toMatchObject({ format: 'Mach-O', arches: ['x64', 'arm64'] })
  })

  it('accepts each library only on its own platform and arch', () => {
    for (const built of TARGETS) {
      for (const target of TARGETS) {
        const [platform, arch] = target.split('-')
        const mismatch = binaryMismatch(file(head(built)), { platform, arch })
        if (built === target) expect(mismatch, `${built} on ${target}`).toBeNull()
        else expect(mismatch, `${built} on ${target}`).toMatch(platform === built.split('-')[0] ? /is built for/ : /not one for/)
      }
    }
  })

  it('refuses a marker file, a text file served as an addon and an empty file, naming what the target needs', () => {
    expect(binaryMismatch(file(Buffer.concat([Buffer.from('stand-in Electron build of better-sqlite3 '), Buffer.alloc(16, 7)])), { platform: 'linux', arch: 'x64' })).toMatch(
      /is not a native binary \(no ELF, Mach-O or PE header\); linux-x64 needs ELF/,
    )
    expect(binaryMismatch(file('MZ this is text, not a DLL'), { platform: 'win32', arch: 'x64' })).toMatch(/not a native binary.*win32-x64 needs PE/)
    expect(binaryMismatch(file(''), { platform: 'darwin', arch: 'arm64' })).toMatch(/darwin-arm64 needs Mach-O/)
    expect(binaryMismatch(path.join(tempDir(), 'missing.node'), { platform: 'linux', arch: 'x64' })).toMatch(/does not exist/)
  })

  it('a universal Mach-O fits both Mac arches; mas counts as darwin', () => {
    const fat = file(universal())
    expect(binaryMismatch(fat, { platform: 'darwin', arch: 'x64' })).toBeNull()
    expect(binaryMismatch(fat, { platform: 'mas', arch: 'arm64' })).toBeNull()
    expect(binaryMismatch(fat, { platform: 'darwin', arch: 'ia32' })).toMatch(/built for x64 \+ arm64, not ia32/)
  })
})
