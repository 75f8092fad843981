/**
 * zxcvbn's rating of a passphrase on the calling thread, judged by the rule in passphrase-strength.ts. Loads zxcvbn's
 * dictionaries (about 30 MB): import it lazily (the renderer's live feedback, main's fallback when its rater thread
 * cannot run).
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core'
import * as common from '@zxcvbn-ts/language-common'
import * as english from '@zxcvbn-ts/language-en'
import { judgePassphrase, passphraseTooLong, ratedPart, type PassphraseVerdict } from './passphrase-strength'

let factory: ZxcvbnFactory | null = null

function estimator(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary },
    graphs: common.adjacencyGraphs,
    translations: english.translations,
  })
  return factory
}

/** Rates on the calling thread (the renderer's live feedback; main uses its rater thread). */
export function ratePassphrase(passphrase: string): PassphraseVerdict {
  const tooLong = passphraseTooLong(passphrase)
  if (tooLong) return { ok: false, score: 0, problems: [tooLong] }
  const { score, feedback } = estimator().check(ratedPart(passphrase))
  return judgePassphrase(passphrase, { score, feedback: { warning: feedback.warning ?? null, suggestions: feedback.suggestions } })
}
