// @ts-check
/**
 * What a native binary is built for, read from its header: ELF (Linux), Mach-O (macOS, thin or universal) or PE
 * (Windows), and the CPU. The packaging hook and `npm run package:check` use it to refuse an addon that cannot load
 * on the target (a marker file, a text file, another OS's build, another arch's build) before an installer ships it.
 *
 * Only the first bytes are read (headers live at the start; a PE header sits where the DOS header's e_lfanew says,
 * within the first few KiB in practice).
 */
import fs from 'node:fs'

/** @typedef {'linux' | 'darwin' | 'win32'} BinaryPlatform */
/** @typedef {'x64' | 'arm64' | 'ia32' | 'arm' | 'unknown'} BinaryArch */
/** @typedef {{ format: 'ELF' | 'Mach-O' | 'PE', platform: BinaryPlatform, arches: BinaryArch[], bits: 32 | 64 }} BinaryHeader */

const HEAD_BYTES = 64 * 1024

// ELF e_machine values.
const ELF_MACHINES = /** @type {Record<number, BinaryArch>} */ ({ 3: 'ia32', 40: 'arm', 62: 'x64', 183: 'arm64' })
// Mach-O cputype values (CPU_ARCH_ABI64 = 0x01000000).
const MACHO_CPUS = /** @type {Record<number, BinaryArch>} */ ({ 7: 'ia32', 12: 'arm', 0x01000007: 'x64', 0x0100000c: 'arm64' })
// PE COFF Machine values.
const PE_MACHINES = /** @type {Record<number, BinaryArch>} */ ({ 0x14c: 'ia32', 0x1c4: 'arm', 0x8664: 'x64', 0xaa64: 'arm64' })

/**
 * Reads the header of `bytes`; null when it is none of ELF, Mach-O or PE (a marker, a text file, an empty file).
 * @param {Buffer} bytes
 * @returns {BinaryHeader | null}
 */
export function parseBinaryHeader(bytes) {
  if (bytes.length >= 20 && bytes[0] === 0x7f && bytes.toString('latin1', 1, 4) === 'ELF') {
    const bits = bytes[4] === 2 ? 64 : 32
    const little = bytes[5] !== 2
    const machine = little ? bytes.readUInt16LE(18) : bytes.readUInt16BE(18)
    return { format: 'ELF', platform: 'linux', arches: [ELF_MACHINES[machine] ?? 'unknown'], bits }
  }
  if (bytes.length >= 8) {
    const magicLE = bytes.readUInt32LE(0)
    // Thin Mach-O, as written by little-endian Macs (x86_64, arm64): MH_MAGIC / MH_MAGIC_64.
    if (magicLE === 0xfeedface || magicLE === 0xfeedfacf) {
      const cpu = bytes.readInt32LE(4) >>> 0
      return { format: 'Mach-O', platform: 'darwin', arches: [MACHO_CPUS[cpu] ?? 'unknown'], bits: magicLE === 0xfeedfacf ? 64 : 32 }
    }
    // Universal ("fat") Mach-O: big-endian header, then one (cputype, ...) record of 20 bytes per arch.
    const magicBE = bytes.readUInt32BE(0)
    if (magicBE === 0xcafebabe || magicBE === 0xcafebabf) {
      const count = bytes.readUInt32BE(4)
      // 0xcafebabe is also a Java class file's magic: a class file's "count" is its version (45 and up).
      if (count > 0 && count < 20 && bytes.length >= 8 + count * 20) {
        const step = magicBE === 0xcafebabf ? 32 : 20
        /** @type {BinaryArch[]} */
        const arches = []
        for (let i = 0; i < count; i++) arches.push(MACHO_CPUS[bytes.readInt32BE(8 + i * step) >>> 0] ?? 'unknown')
        return { format: 'Mach-O', platform: 'darwin', arches, bits: 64 }
      }
    }
  }
  if (bytes.length >= 64 && bytes.toString('latin1', 0, 2) === 'MZ') {
    const peOffset = bytes.readUInt32LE(0x3c)
    if (peOffset + 26 <= bytes.length && bytes.toString('latin1', peOffset, peOffset + 4) === 'PE\0\0') {
      const machine = bytes.readUInt16LE(peOffset + 4)
      const optionalMagic = bytes.readUInt16LE(peOffset + 24)
      return { format: 'PE', platform: 'win32', arches: [PE_MACHINES[machine] ?? 'unknown'], bits: optionalMagic === 0x20b ? 64 : 32 }
    }
  }
  return null
}

/**
 * Reads the header of a file (its first 64 KiB).
 * @param {string} file
 */
export function readBinaryHeader(file) {
  const fd = fs.openSync(file, 'r')
  try {
    const buffer = Buffer.alloc(HEAD_BYTES)
    const read = fs.readSync(fd, buffer, 0, HEAD_BYTES, 0)
    return parseBinaryHeader(buffer.subarray(0, read))
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Why `file` cannot load on `platform`-`arch`, or null when its header says it can. `mas` counts as darwin; a
 * universal Mach-O fits any arch it contains.
 * @param {string} file
 * @param {{ platform: string, arch: string }} target
 * @returns {string | null}
 */
export function binaryMismatch(file, target) {
  if (!fs.existsSync(file)) return `${file} does not exist`
  const header = readBinaryHeader(file)
  const platform = target.platform === 'mas' ? 'darwin' : target.platform
  const expected = { linux: 'ELF', darwin: 'Mach-O', win32: 'PE' }[platform]
  if (!header) return `${file} is not a native binary (no ELF, Mach-O or PE header); ${platform}-${target.arch} needs ${expected ?? 'a native binary'}`
  if (header.platform !== platform) return `${file} is a ${header.format} binary (${header.platform}), not one for ${platform} (${expected})`
  if (!header.arches.includes(/** @type {BinaryArch} */ (target.arch))) {
    return `${file} is built for ${header.arches.join(' + ')}, not ${target.arch}`
  }
  return null
}
