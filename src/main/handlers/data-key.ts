import type { PartialHandlerMap } from '../ipc/router'
import type { DataKeyService } from '../security/data-key-service'

export function dataKeyHandlers(service: Pick<DataKeyService, 'export' | 'import'>): PartialHandlerMap<'dataKey:export' | 'dataKey:import'> {
  return {
    'dataKey:export': ({ passphrase }) => service.export({ passphrase }),
    'dataKey:import': ({ passphrase, file }) => service.import({ passphrase, file }),
  }
}
