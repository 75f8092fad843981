/**
 * The top bar's place for the running batch's progress (done / failed / remaining, cancel).
 * Renders nothing until batches exist; the sessions feature fills it in.
 */
export function BatchProgressSlot() {
  return null
}
