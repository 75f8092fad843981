import type { DataSource } from 'typeorm'
import { KEY_CHECK_KEY } from '../db/data-source'
import { SecretBox, SecretOpenError } from './secret-box'

/** The additional data the key-check value is sealed with (`verifyDataKey` in src/main/db/data-source.ts). */
const KEY_CHECK_CONTEXT = 'settings.secret_value'

/** The connected database's key-check value (sealed with its data key), or null when it has none yet. */
export async function readKeyCheck(dataSource: DataSource): Promise<string | null> {
  // The query builder writes the SQL for whichever database is connected.
  const row = await dataSource
    .createQueryBuilder()
    .select('s.secret_value', 'sealed')
    .from('settings', 's')
    .where('s.key = :key', { key: KEY_CHECK_KEY })
    .getRawOne<{ sealed: string | null }>()
  return row?.sealed ?? null
}

/** Whether `key` opens the key-check value: AES-GCM authenticates, so only the key it was sealed with does. */
export function keyOpensCheck(key: Buffer, sealed: string): boolean {
  try {
    new SecretBox(key).open(sealed, KEY_CHECK_CONTEXT)
    return true
  } catch (error) {
    if (error instanceof SecretOpenError) return false
    throw error
  }
}
