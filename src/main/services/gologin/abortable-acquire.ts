import type { Semaphore } from 'async-mutex'

/**
 * A semaphore permit that can be given up while waiting: rejects with the signal's reason if it aborts
 * first, and a permit granted after the abort is returned at once (never leaked).
 */
export function acquireAbortable(semaphore: Semaphore, signal?: AbortSignal): Promise<() => void> {
  if (!signal) return semaphore.acquire().then(([, release]) => release)
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    void semaphore.acquire().then(([, release]) => {
      signal.removeEventListener('abort', onAbort)
      if (signal.aborted) release()
      else resolve(release)
    })
  })
}
