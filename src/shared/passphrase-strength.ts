/**
 * How strong a data key passphrase must be. The exported key file unlocks every secret of the database and can be
 * attacked offline, so the passphrase needs zxcvbn's top score (4: dictionaries of common passwords, words, names,
 * keyboard patterns), or 20 or more characters that zxcvbn does not find easy (3 or better: a long phrase of
 * ordinary words is strong by length, a long run of `a` or `1234…` is not). Main enforces it on export, off its
 * main thread (src/main/security/passphrase-rater.ts); the renderer loads passphrase-rating.ts lazily for live feedback.
 * This module holds the rule alone: zxcvbn's dictionaries (about 30 MB once loaded) stay out of every process that
 * only judges a rating (main rates on a thread of its own).
 *
 * zxcvbn's time grows steeply with length (over a second for 100 characters of digits): only the first
 * `PASSPHRASE_RATED_LENGTH` characters are rated, and over `PASSPHRASE_MAX_LENGTH` the passphrase is refused unrated.
 */
export const PASSPHRASE_MIN_LENGTH = 12
/** From this length a passphrase that is not easy to guess (score 3) is accepted. */
export const PASSPHRASE_LONG_LENGTH = 20
export const PASSPHRASE_MAX_LENGTH = 1024
/** How much of a passphrase zxcvbn reads: beyond it length alone adds strength, and rating gets slow. */
export const PASSPHRASE_RATED_LENGTH = 100
/** zxcvbn's "very unguessable: strong protection from an offline slow-hash scenario". */
export const PASSPHRASE_MIN_SCORE = 4
export const PASSPHRASE_LONG_MIN_SCORE = 3

export interface PassphraseVerdict {
  ok: boolean
  /** zxcvbn's 0–4. */
  score: number
  /** Why it is refused and how to do better, in sentences; empty when ok. */
  problems: string[]
}

/** What zxcvbn said about the rated part (what a rater thread sends back). */
export interface ZxcvbnRating {
  score: number
  feedback: { warning: string | null; suggestions: string[] }
}

/** The sentence refusing a passphrase too long to rate, or null. */
export function passphraseTooLong(passphrase: string): string | null {
  return passphrase.length > PASSPHRASE_MAX_LENGTH
    ? `Use at most ${PASSPHRASE_MAX_LENGTH.toLocaleString('en-US')} characters (this has ${passphrase.length.toLocaleString('en-US')}).`
    : null
}

/** The part of a passphrase zxcvbn rates. */
export function ratedPart(passphrase: string): string {
  return passphrase.slice(0, PASSPHRASE_RATED_LENGTH)
}

/** Applies the rule to a passphrase and zxcvbn's rating of `ratedPart(passphrase)`. */
export function judgePassphrase(passphrase: string, rating: ZxcvbnRating): PassphraseVerdict {
  const tooLong = passphraseTooLong(passphrase)
  if (tooLong) return { ok: false, score: 0, problems: [tooLong] }
  const { score, feedback } = rating
  const long = passphrase.length >= PASSPHRASE_LONG_LENGTH
  const problems: string[] = []
  if (passphrase.length < PASSPHRASE_MIN_LENGTH) problems.push(`Use at least ${PASSPHRASE_MIN_LENGTH} characters (this has ${passphrase.length}).`)
  if (score < (long ? PASSPHRASE_LONG_MIN_SCORE : PASSPHRASE_MIN_SCORE)) {
    problems.push(
      long
        ? `It is too easy to guess (rated ${score} of 4), even at ${passphrase.length} characters.`
        : `It is too easy to guess for a file that can be attacked offline (rated ${score} of 4): it needs 4 of 4, or ${PASSPHRASE_LONG_LENGTH} or more characters.`,
    )
    if (feedback.warning) problems.push(feedback.warning)
    problems.push(...feedback.suggestions)
    if (feedback.suggestions.length === 0) problems.push('Add a few uncommon words or characters.')
  }
  return { ok: problems.length === 0, score, problems }
}
