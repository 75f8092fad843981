import { createDecipheriv, randomBytes, scryptSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DEFAULT_SCRYPT, openDataKeyFile, sealDataKeyFile, type DataKeyFile, type DataKeyFileProblem, type KeyDerivation } from '../../../src/main/security/data-key-file'
import { SecretBox } from '../../../src/main/security/secret-box'

const PASSPHRASE = 'Tangerine-Quartz-Velvet-91!'
/** Cheap parameters for the many cases; one test covers the default (strong) ones. */
const FAST = { N: 2 ** 14, r: 8, p: 1 }

async function sealed(key = randomBytes(32)) {
  const text = await sealDataKeyFile(key, PASSPHRASE, { scrypt: FAST })
  return { key, text, json: JSON.parse(text) as DataKeyFile }
}

async function problemOf(content: string | Buffer, passphrase = PASSPHRASE): Promise<{ problem: DataKeyFileProblem; message: string }> {
  const error = (await openDataKeyFile(content, passphrase).then(
    () => null,
    (e: unknown) => e,
  )) as { problem: DataKeyFileProblem; message: string; code: string } | null
  expect(error, 'the file should have been refused').not.toBeNull()
  expect(error!.code).toBe('VALIDATION_ERROR')
  return { problem: error!.problem, message: error!.message }
}

/** A key file as JSON, open to any edit. */
type LooseFile = Record<string, unknown> & { kdf: Record<string, unknown>; cipher: Record<string, string>; ciphertext: string }

function edit(json: DataKeyFile, change: (file: LooseFile) => void): string {
  const copy = structuredClone(json) as unknown as LooseFile
  change(copy)
  return JSON.stringify(copy, null, 2)
}

describe('data key file', () => {
  it('round-trips the key with the default scrypt parameters, which the file records', async () => {
    const key = randomBytes(32)
    const text = await sealDataKeyFile(key, PASSPHRASE)
    const json = JSON.parse(text) as DataKeyFile
    expect(json).toMatchObject({ format: 'gologin-panel-data-key', version: 1, kdf: { name: 'scrypt', N: 131072, r: 8, p: 1 }, cipher: { name: 'aes-256-gcm' } })
    expect(DEFAULT_SCRYPT).toEqual({ N: 2 ** 17, r: 8, p: 1 })
    expect(json.keyId).toBe(new SecretBox(key).keyId)
    const opened = await openDataKeyFile(text, PASSPHRASE)
    expect(opened.key.equals(key)).toBe(true)
    expect(opened.kdf).toEqual(DEFAULT_SCRYPT)
    // Neither the key nor the passphrase appears in the file.
    expect(text).not.toContain(key.toString('base64'))
    expect(text).not.toContain(key.toString('hex'))
    expect(text).not.toContain(PASSPHRASE)
  })

  it('is decrypted with exactly the KDF parameters the file states (an independent scrypt + AES-GCM opens it)', async () => {
    const { key, json } = await sealed()
    expect(json.kdf).toMatchObject(FAST)
    const derived = scryptSync(PASSPHRASE, Buffer.from(json.kdf.salt, 'base64'), 64, { N: json.kdf.N, r: json.kdf.r, p: json.kdf.p, maxmem: 64 * 1024 * 1024 })
    const decipher = createDecipheriv('aes-256-gcm', derived.subarray(0, 32), Buffer.from(json.cipher.iv, 'base64'))
    const k = json.kdf
    decipher.setAAD(Buffer.from(JSON.stringify([json.format, json.version, json.keyId, json.createdAt, k.name, k.N, k.r, k.p, k.salt, 'aes-256-gcm', json.cipher.iv])))
    decipher.setAuthTag(Buffer.from(json.cipher.tag, 'base64'))
    const plain = Buffer.concat([decipher.update(Buffer.from(json.ciphertext, 'base64')), decipher.final()])
    expect(plain.equals(key)).toBe(true)
    // With other parameters the same passphrase is refused: the file's N is the one that counts.
    expect((await problemOf(edit(json, (f) => (f.kdf.N = 2 ** 15)))).problem).toBe('wrong_passphrase')
  })

  it('normalises the passphrase (NFC): the same passphrase typed as composed or decomposed characters opens the file', async () => {
    const key = randomBytes(32)
    const text = await sealDataKeyFile(key, 'Crème brûlée à 7 heures!'.normalize('NFC'), { scrypt: FAST })
    expect((await openDataKeyFile(text, 'Crème brûlée à 7 heures!'.normalize('NFD'))).key.equals(key)).toBe(true)
  })

  it('a wrong passphrase is named as such, without echoing it', async () => {
    const { text } = await sealed()
    const { problem, message } = await problemOf(text, 'not the passphrase at all')
    expect(problem).toBe('wrong_passphrase')
    expect(message).toMatch(/passphrase is wrong/)
    expect(message).not.toContain('not the passphrase at all')
  })

  it('a tampered file (ciphertext, tag, iv or header changed) is named as altered, not as a wrong passphrase', async () => {
    const { json } = await sealed()
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64')
      bytes[0] ^= 1
      return bytes.toString('base64')
    }
    for (const change of [
      (f: LooseFile) => (f.ciphertext = flip(f.ciphertext)),
      (f: LooseFile) => (f.cipher.tag = flip(f.cipher.tag)),
      (f: LooseFile) => (f.cipher.iv = flip(f.cipher.iv)),
      (f: LooseFile) => (f.createdAt = '2020-01-01T00:00:00.000Z'),
      (f: LooseFile) => (f.keyId = '0123456789ab'),
    ]) {
      const { problem, message } = await problemOf(edit(json, change))
      expect(problem).toBe('tampered')
      expect(message).toMatch(/altered after it was exported/)
    }
  })

  it('a truncated file is named as cut off, wherever it was cut', async () => {
    const { text } = await sealed()
    for (const length of [8, 30, Math.floor(text.length / 2), text.length - 3]) {
      const { problem, message } = await problemOf(text.slice(0, length))
      expect(problem, `cut at ${length}`).toBe('truncated')
      expect(message).toMatch(/incomplete/)
    }
  })

  it('another kind of file is named as not a data key file (and a host key store file gets its own hint)', async () => {
    expect(await problemOf('profile_name,twitter_username,api_app\nProfile 1,user1,AIOTT1\n')).toMatchObject({ problem: 'not_a_key_file', message: expect.stringMatching(/not JSON/) })
    expect(await problemOf('{"format":"something-else","version":1}')).toMatchObject({ problem: 'not_a_key_file', message: expect.stringMatching(/"format"/) })
    expect(await problemOf(`${randomBytes(32).toString('base64')}\n`)).toMatchObject({ problem: 'not_a_key_file', message: expect.stringMatching(/key store file.*must not leave its host/) })
    expect(await problemOf(Buffer.concat([Buffer.from('GAPK'), Buffer.from([1, 0]), randomBytes(32)]))).toMatchObject({ problem: 'not_a_key_file' })
    expect(await problemOf(Buffer.alloc(100 * 1024, 0x7b))).toMatchObject({ problem: 'not_a_key_file', message: expect.stringMatching(/102400 bytes/) })
  })

  it('a damaged field or parameters the panel would never write are named before any key derivation', async () => {
    const { json } = await sealed()
    expect(await problemOf(edit(json, (f) => (f.ciphertext = 'AAAA')))).toMatchObject({ problem: 'damaged', message: expect.stringMatching(/"ciphertext"/) })
    expect(await problemOf(edit(json, (f) => delete f.kdf.salt)).then((r) => r.problem)).toBe('damaged')
    expect(await problemOf(edit(json, (f) => (f.kdf.name = 'pbkdf2')))).toMatchObject({ problem: 'damaged', message: expect.stringMatching(/not scrypt/) })
    // 2^30 would ask for 128 GiB of memory: refused from the file's shape.
    expect(await problemOf(edit(json, (f) => (f.kdf.N = 2 ** 30)))).toMatchObject({ problem: 'damaged', message: expect.stringMatching(/scrypt parameters/) })
    expect(await problemOf(edit(json, (f) => (f.kdf.N = 1000)))).toMatchObject({ problem: 'damaged' })
    expect(await problemOf(edit(json, (f) => (f.version = 2)))).toMatchObject({ problem: 'unsupported_version', message: expect.stringMatching(/newer version of the panel/) })
  })

  it("a file asking for more scrypt work than the panel's own exports is refused before any key derivation", async () => {
    const { json } = await sealed()
    const derivations: string[] = []
    const spy: KeyDerivation = async (_passphrase, _salt, params) => {
      derivations.push(`N=${params.N} r=${params.r} p=${params.p}`)
      throw new Error('no key derivation may run for this file')
    }
    // Each within what the format allows (<= 256 MiB), each costlier than N=2^17, r=8, p=1 in one parameter.
    for (const costly of [{ N: 2 ** 20, r: 1, p: 1 }, { N: 2 ** 18, r: 8, p: 1 }, { N: 2 ** 14, r: 16, p: 1 }, { N: 2 ** 14, r: 8, p: 16 }]) {
      const crafted = edit(json, (f) => Object.assign(f.kdf, costly))
      const error = (await openDataKeyFile(crafted, PASSPHRASE, { derive: spy }).catch((e: unknown) => e)) as { problem: DataKeyFileProblem; message: string }
      expect(error.problem, JSON.stringify(costly)).toBe('too_costly')
      expect(error.message).toContain(`N=${costly.N}, r=${costly.r}, p=${costly.p}`)
      expect(error.message).toMatch(/more key-derivation work .* than this panel's own exports \(N=131072, r=8, p=1\).*refused before any work/)
    }
    expect(derivations).toEqual([])
    // The same spy sees the derivation of an affordable file: the check above is what kept it from running.
    await openDataKeyFile(JSON.stringify(json), PASSPHRASE, { derive: spy }).catch(() => undefined)
    expect(derivations).toEqual(['N=16384 r=8 p=1'])
  })
})
