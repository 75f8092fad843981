import type { PartialHandlerMap } from '../ipc/router'
import type { TokenExportService } from '../services/tokens/token-export-service'

export function tokensHandlers(exporter: Pick<TokenExportService, 'export'>): PartialHandlerMap<'tokens:export'> {
  return {
    'tokens:export': ({ apiApp, onlyValid }) => exporter.export({ apiApp, onlyValid }),
  }
}
