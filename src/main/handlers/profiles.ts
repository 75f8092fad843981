import type { PartialHandlerMap } from '../ipc/router'
import type { GoLoginService } from '../services/gologin/gologin-service'

export type ProfilesChannel =
  | 'profiles:list'
  | 'profiles:updateMapping'
  | 'profiles:sync'
  | 'profiles:syncStatus'
  | 'profiles:importPreview'
  | 'profiles:importApply'
  | 'gologin:testConnection'

/** Profiles grid, mapping edits and import, sync, and the GoLogin token check. */
export function profilesHandlers(gologin: GoLoginService): PartialHandlerMap<ProfilesChannel> {
  return {
    'profiles:list': (input) => gologin.listProfiles(input),
    'profiles:updateMapping': (input) => gologin.updateMapping(input),
    'profiles:sync': () => gologin.startSync(),
    'profiles:syncStatus': () => gologin.syncStatus(),
    'profiles:importPreview': ({ csv, fileName }) => gologin.importPreview(csv, fileName),
    'profiles:importApply': ({ previewId }) => gologin.importApply(previewId),
    'gologin:testConnection': ({ token }) => gologin.testConnection(token),
  }
}
