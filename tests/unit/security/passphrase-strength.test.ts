/**
 * The export passphrase guards a file that unlocks every secret and can be attacked offline: zxcvbn's top score, or
 * 20+ characters that are not easy to guess. Rating is capped (100 characters rated, over 1,024 refused unrated) and
 * main rates on a worker thread.
 */
import { describe, expect, it } from 'vitest'
import { ratePassphraseOffThread } from '../../../src/main/security/passphrase-rater'
import { ratePassphrase } from '../../../src/shared/passphrase-rating'
import { PASSPHRASE_MAX_LENGTH, PASSPHRASE_RATED_LENGTH } from '../../../src/shared/passphrase-strength'

describe('export passphrase strength', () => {
  it('refuses "correct horse" (zxcvbn 3 of 4, 13 characters) and says why', async () => {
    for (const verdict of [ratePassphrase('correct horse'), await ratePassphraseOffThread('correct horse')]) {
      expect(verdict).toMatchObject({ ok: false, score: 3 })
      expect(verdict.problems[0]).toBe(
        'It is too easy to guess for a file that can be attacked offline (rated 3 of 4): it needs 4 of 4, or 20 or more characters.',
      )
    }
  })

  it('accepts 20+ characters of ordinary words, and a shorter passphrase only with the top score', async () => {
    expect(await ratePassphraseOffThread('my dog likes long walks')).toMatchObject({ ok: true, problems: [] })
    expect(await ratePassphraseOffThread('Tangerine-Quartz-Velvet-91!')).toMatchObject({ ok: true, score: 4 })
    expect(ratePassphrase('password1234')).toMatchObject({ ok: false })
  })

  it('refuses 20+ characters that are still easy to guess (a run of one letter, counting digits)', async () => {
    const run = await ratePassphraseOffThread('a'.repeat(24))
    expect(run.ok).toBe(false)
    expect(run.problems[0]).toBe('It is too easy to guess (rated 0 of 4), even at 24 characters.')
    expect(ratePassphrase('12345678901234567890')).toMatchObject({ ok: false })
  })

  it('refuses a passphrase over 1,024 characters with a sentence, without rating it', async () => {
    const huge = 'x7#Qv'.repeat(205)
    expect(huge.length).toBeGreaterThan(PASSPHRASE_MAX_LENGTH)
    for (const verdict of [ratePassphrase(huge), await ratePassphraseOffThread(huge)]) {
      expect(verdict).toEqual({ ok: false, score: 0, problems: ['Use at most 1,024 characters (this has 1,025).'] })
    }
  })

  it('rates only the first 100 characters: what follows them does not change the verdict', async () => {
    const head = 'a'.repeat(PASSPHRASE_RATED_LENGTH)
    // A strong tail after 100 weak characters is not looked at (so rating stays bounded).
    expect(await ratePassphraseOffThread(`${head}Tangerine-Quartz-Velvet-91!`)).toEqual(await ratePassphraseOffThread(`${head}${'b'.repeat(27)}`))
  })

  it('rates on a worker thread: the main event loop keeps turning while a slow passphrase is rated', async () => {
    // Loading zxcvbn's dictionaries and rating take a second or more: on this thread no turn would happen meanwhile.
    let turns = 0
    let spinning = true
    const spin = () => {
      turns++
      if (spinning) setImmediate(spin)
    }
    setImmediate(spin)
    const verdict = await ratePassphraseOffThread('1234567890'.repeat(3))
    spinning = false
    expect(verdict.ok).toBe(false)
    expect(turns).toBeGreaterThan(1)
  })
})
