import { useEffect, useState } from 'react'
import type { PassphraseVerdict } from '../../../../shared/passphrase-strength'

type Rater = (passphrase: string) => PassphraseVerdict

// zxcvbn's dictionaries are large: loaded only when a passphrase is first typed.
let loading: Promise<Rater> | null = null
function loadRater(): Promise<Rater> {
  loading ??= import('../../../../shared/passphrase-rating').then((module) => module.ratePassphrase)
  return loading
}

/** The verdict on `passphrase` (main applies the same rule on export); null until the rater has loaded. */
export function usePassphraseVerdict(passphrase: string): PassphraseVerdict | null {
  const [rater, setRater] = useState<Rater | null>(null)
  useEffect(() => {
    let live = true
    void loadRater().then((rate) => live && setRater(() => rate))
    return () => {
      live = false
    }
  }, [])
  return rater ? rater(passphrase) : null
}
