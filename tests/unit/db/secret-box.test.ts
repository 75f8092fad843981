import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { SecretBox, SecretOpenError } from '../../../src/main/security/secret-box'

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32))

  it('seals into the versioned format and opens back to the same text', () => {
    const sealed = box.seal('tok€n with ünïcode', 'table.column')
    expect(sealed).toMatch(/^v1:[A-Za-z0-9+/]+=*$/)
    expect(sealed).not.toContain('tok')
    expect(box.open(sealed, 'table.column')).toBe('tok€n with ünïcode')
    expect(SecretBox.isSealed(sealed)).toBe(true)
    expect(SecretBox.isSealed('plain')).toBe(false)
  })

  it('uses a fresh 96-bit IV for every value', () => {
    const a = box.seal('same', 'c')
    const b = box.seal('same', 'c')
    expect(a).not.toBe(b)
    expect(Buffer.from(a.slice(3), 'base64').subarray(0, 12).equals(Buffer.from(b.slice(3), 'base64').subarray(0, 12))).toBe(false)
  })

  it('refuses, rather than returning garbage, a wrong key, a tampered value, another column or an unknown format', () => {
    const sealed = box.seal('secret', 'c')
    const fail = (fn: () => string) => {
      try {
        fn()
      } catch (error) {
        expect(error).toBeInstanceOf(SecretOpenError)
        return (error as SecretOpenError).reason
      }
      throw new Error('expected a failure')
    }
    expect(fail(() => new SecretBox(randomBytes(32)).open(sealed, 'c'))).toBe('wrong_key_or_tampered')
    const bytes = Buffer.from(sealed.slice(3), 'base64')
    bytes[20] ^= 0xff
    expect(fail(() => box.open(`v1:${bytes.toString('base64')}`, 'c'))).toBe('wrong_key_or_tampered')
    expect(fail(() => box.open(sealed, 'other.column'))).toBe('wrong_key_or_tampered')
    expect(fail(() => box.open('v3:abcd', 'c'))).toBe('unknown_format')
    expect(fail(() => box.open('plaintext-token', 'c'))).toBe('not_encrypted')
    expect(fail(() => box.open('v1:AAAA', 'c'))).toBe('damaged')
  })

  it('needs a 32-byte key and tells keys apart by a fingerprint that does not reveal them', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/)
    const key = randomBytes(32)
    expect(new SecretBox(key).keyId).toBe(new SecretBox(Buffer.from(key)).keyId)
    expect(new SecretBox(key).keyId).not.toBe(box.keyId)
    expect(key.toString('hex')).not.toContain(new SecretBox(key).keyId)
  })
})

describe('SecretBox.bulkOpener (worker threads)', () => {
  const box = new SecretBox(randomBytes(32))
  const tampered = (sealed: string) => {
    const bytes = Buffer.from(sealed.slice(3), 'base64')
    bytes[bytes.length - 1] ^= 0x01
    return `v1:${bytes.toString('base64')}`
  }

  it('opens on its threads exactly what open() opens, with failures reported in place', async () => {
    const texts = Array.from({ length: 300 }, (_, i) => `token-${i}-€ü-${randomBytes(8).toString('hex')}`)
    const values = texts.map((text, i) => box.seal(text, i % 2 ? 't.refresh' : 't.access'))
    const contexts = texts.map((_, i) => (i % 2 ? 't.refresh' : 't.access'))
    const opener = box.bulkOpener(2)
    try {
      await opener.started()
      const [first, second] = await Promise.all([opener.open(values.slice(0, 150), contexts.slice(0, 150)), opener.open(values.slice(150), contexts.slice(150))])
      expect([...first, ...second]).toEqual(texts)

      const mixed = await opener.open([values[0], null, tampered(values[2]), values[3], 'plain', 'v3:x', 'v1:AAAA', values[4]], ['t.access', 't.access', 't.access', 't.access', 't.access', 't.access', 't.access', 't.other'])
      expect(mixed).toEqual([
        texts[0],
        null,
        { failure: 'wrong_key_or_tampered' },
        { failure: 'wrong_key_or_tampered' }, // values[3] was sealed for t.refresh: another column does not open
        { failure: 'not_encrypted' },
        { failure: 'unknown_format' },
        { failure: 'damaged' },
        { failure: 'wrong_key_or_tampered' },
      ])
    } finally {
      await opener.close()
    }
  })

  it('answers a dead thread\'s requests on the calling thread and keeps using the threads left', async () => {
    const sealed = box.seal('secret', 'c')
    const opener = box.bulkOpener(2)
    try {
      await opener.started()
      // A request without its contexts kills the thread that takes it (it cannot build the AAD).
      const broken = opener.open([sealed], [])
      const healthy = opener.open([sealed], ['c'])
      await expect(broken).resolves.toEqual([{ failure: 'wrong_key_or_tampered' }])
      await expect(healthy).resolves.toEqual(['secret'])
      await expect(opener.open([sealed, sealed], ['c', 'c'])).resolves.toEqual(['secret', 'secret'])
    } finally {
      await opener.close()
    }
  })

  it('opens on the calling thread until a thread has started', async () => {
    const sealed = box.seal('secret', 'c')
    const opener = box.bulkOpener(1)
    try {
      // Asked at once: no thread runs yet, so the answer does not wait for one to boot.
      await expect(opener.open([sealed, null], ['c', 'c'])).resolves.toEqual(['secret', null])
      await opener.started()
      await expect(opener.open([sealed], ['c'])).resolves.toEqual(['secret'])
    } finally {
      await opener.close()
    }
  })

  it('answers on the calling thread when it has no threads or is closed with requests in flight', async () => {
    const sealed = box.seal('secret', 'c')
    const here = box.bulkOpener(0)
    await expect(here.open([sealed, tampered(sealed)], ['c', 'c'])).resolves.toEqual(['secret', { failure: 'wrong_key_or_tampered' }])
    await here.close()

    const threaded = box.bulkOpener(1)
    await threaded.started()
    const inFlight = threaded.open([sealed], ['c'])
    await threaded.close()
    await expect(inFlight).resolves.toEqual(['secret'])
    await expect(threaded.open([sealed], ['c'])).rejects.toThrow(/closed/)
  })
})
