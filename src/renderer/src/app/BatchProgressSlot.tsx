import { BatchProgressBar } from '../features/batches/BatchProgressBar'

/** The top bar's place for the running batch's progress; renders nothing until a batch exists. */
export function BatchProgressSlot() {
  return <BatchProgressBar />
}
