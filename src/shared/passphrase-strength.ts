/**
 * How strong a data key passphrase must be. The exported key file can be attacked offline, so the passphrase needs
 * both length and real unpredictability: zxcvbn (dictionaries of common passwords, words, names, keyboard patterns)
 * must rate it 3 of 4 or better. Main enforces it on export; the renderer loads this module lazily for live feedback.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core'
import * as common from '@zxcvbn-ts/language-common'
import * as english from '@zxcvbn-ts/language-en'

export const PASSPHRASE_MIN_LENGTH = 12
export const PASSPHRASE_MAX_LENGTH = 1024
/** zxcvbn's "safely unguessable: moderate protection from an offline slow-hash scenario". */
export const PASSPHRASE_MIN_SCORE = 3

export interface PassphraseVerdict {
  ok: boolean
  /** zxcvbn's 0–4. */
  score: number
  /** Why it is refused and how to do better, in sentences; empty when ok. */
  problems: string[]
}

let factory: ZxcvbnFactory | null = null

function estimator(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary },
    graphs: common.adjacencyGraphs,
    translations: english.translations,
  })
  return factory
}

export function ratePassphrase(passphrase: string): PassphraseVerdict {
  if (passphrase.length > PASSPHRASE_MAX_LENGTH) {
    return { ok: false, score: 0, problems: [`Use at most ${PASSPHRASE_MAX_LENGTH} characters.`] }
  }
  const result = estimator().check(passphrase)
  const problems: string[] = []
  if (passphrase.length < PASSPHRASE_MIN_LENGTH) problems.push(`Use at least ${PASSPHRASE_MIN_LENGTH} characters (this has ${passphrase.length}).`)
  if (result.score < PASSPHRASE_MIN_SCORE) {
    problems.push('It is too easy to guess.')
    if (result.feedback.warning) problems.push(result.feedback.warning)
    problems.push(...result.feedback.suggestions)
    if (result.feedback.suggestions.length === 0) problems.push('Add a few uncommon words or characters.')
  }
  return { ok: problems.length === 0, score: result.score, problems }
}
