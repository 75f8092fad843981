/**
 * Rates an export passphrase on a worker thread: zxcvbn takes up to seconds even on the 100 characters it is given
 * (measured: 1.1 s for 100 digits, 3.2 s for 100 random characters, on this project's CI machine), and main's event
 * loop serves every IPC request, the batches and the database. One short-lived thread per rating: exports are rare,
 * and a thread that is gone holds no passphrase.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { judgePassphrase, passphraseTooLong, ratedPart, type PassphraseVerdict, type ZxcvbnRating } from '../../shared/passphrase-strength'

/** The rater thread: loads zxcvbn (paths resolved by main, since an eval'd thread resolves from the working folder). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { ZxcvbnFactory } = require(workerData.core)
const common = require(workerData.common)
const english = require(workerData.english)
const factory = new ZxcvbnFactory({
  dictionary: { ...common.dictionary, ...english.dictionary },
  graphs: common.adjacencyGraphs,
  translations: english.translations,
})
parentPort.once('message', (text) => {
  const { score, feedback } = factory.check(text)
  parentPort.postMessage({ score, feedback: { warning: feedback.warning || null, suggestions: feedback.suggestions } })
})
`

let modules: { core: string; common: string; english: string } | null = null
function modulePaths() {
  const require = createRequire(import.meta.url)
  modules ??= {
    core: require.resolve('@zxcvbn-ts/core'),
    common: require.resolve('@zxcvbn-ts/language-common'),
    english: require.resolve('@zxcvbn-ts/language-en'),
  }
  return modules
}

/**
 * The verdict on `passphrase`, rated off the main thread. A passphrase over the maximum length is refused without
 * rating. If the thread cannot run, the rating falls back to this thread (still capped, so bounded).
 */
export async function ratePassphraseOffThread(passphrase: string): Promise<PassphraseVerdict> {
  const tooLong = passphraseTooLong(passphrase)
  if (tooLong) return { ok: false, score: 0, problems: [tooLong] }
  let rating: ZxcvbnRating
  try {
    rating = await rateOnThread(ratedPart(passphrase))
  } catch {
    // Loaded only here: zxcvbn's dictionaries never stay in main's memory otherwise.
    const { ratePassphrase } = await import('../../shared/passphrase-rating')
    return ratePassphrase(passphrase)
  }
  return judgePassphrase(passphrase, rating)
}

function rateOnThread(text: string): Promise<ZxcvbnRating> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: modulePaths() })
    const done = (settle: () => void) => {
      worker.removeAllListeners()
      void worker.terminate()
      settle()
    }
    worker.once('message', (rating: ZxcvbnRating) => done(() => resolve(rating)))
    worker.once('error', (error) => done(() => reject(error)))
    worker.once('exit', (code) => done(() => reject(new Error(`The passphrase rater stopped (exit ${code})`))))
    worker.postMessage(text)
  })
}
