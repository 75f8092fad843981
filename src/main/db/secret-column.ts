/**
 * Secret columns: a TypeORM transformer that seals values on write and opens them on read, plus a
 * subscriber that turns a value that failed to open into a `DataDecryptionException` naming the row.
 *
 * Why two parts: a transformer only sees the value, not the row. So `from()` never throws; on failure
 * it returns an `UndecryptableSecret` marker (holding the stored ciphertext, not plaintext), and
 * `SecretGuardSubscriber.afterLoad` — which sees the entity and its metadata — throws naming table,
 * id and column. A marker written back (e.g. an entity loaded with `listeners: false`, then saved)
 * stores the original ciphertext again, so nothing is ever lost or replaced by garbage.
 *
 * The transformer is declared once per column (decorators are static), so it uses the process-wide
 * active `SecretBox` that `openDatabase` installs. One data key per process: opening a second
 * database with a different key while the first is open is refused.
 */
import { EventSubscriber, type EntitySubscriberInterface, type LoadEvent, type ValueTransformer } from 'typeorm'
import { DataDecryptionException, SecretOpenError, type SecretBox, type SecretOpenFailure } from '../security/secret-box'

let active: { box: SecretBox; users: number } | null = null

/** Installs the box for secret columns; returns the function that releases it (ref-counted per key). */
export function activateSecretBox(box: SecretBox): () => void {
  if (active && active.box.keyId !== box.keyId) {
    throw new Error(`Another database with a different data key (${active.box.keyId}) is open in this process; close it first`)
  }
  active ??= { box, users: 0 }
  active.users += 1
  let released = false
  return () => {
    if (released || !active) return
    released = true
    active.users -= 1
    if (active.users === 0) active = null
  }
}

export function activeSecretBox(): SecretBox {
  if (!active) throw new Error('No data key is active: open the database with openDatabase() before reading or writing secret columns')
  return active.box
}

/** Stands in for a secret that could not be decrypted. Any attempt to use it as text throws. */
export class UndecryptableSecret {
  constructor(
    readonly sealed: string,
    readonly context: string,
    readonly reason: SecretOpenFailure,
  ) {}

  toError(id: string | number | null = null): DataDecryptionException {
    const [table, column] = splitContext(this.context)
    return new DataDecryptionException({ table, id, column }, this.reason)
  }

  toString(): string {
    throw this.toError()
  }

  toJSON(): never {
    throw this.toError()
  }
}

export class SecretTransformer implements ValueTransformer {
  /** @param context `table.column`, bound into each ciphertext (see SecretBox). */
  constructor(readonly context: string) {}

  to(value: unknown): unknown {
    if (value instanceof UndecryptableSecret) return value.sealed
    // Null, undefined and find operators (IsNull(), …) pass through; find operators carry their own values.
    if (typeof value !== 'string') return value
    return activeSecretBox().seal(value, this.context)
  }

  from(value: unknown): unknown {
    if (value === null || value === undefined) return value
    const box = activeSecretBox()
    try {
      return box.open(String(value), this.context)
    } catch (error) {
      if (error instanceof SecretOpenError) return new UndecryptableSecret(String(value), this.context, error.reason)
      throw error
    }
  }
}

/** Column options for a secret column: `@Column(secretColumn('authorization_sessions', 'access_token'))`. */
export function secretColumn(table: string, column: string) {
  return { name: column, type: 'text', nullable: true, transformer: new SecretTransformer(`${table}.${column}`) } as const
}

/** Opens a secret read with raw SQL (no transformer ran), naming the row on failure. */
export function openSecretValue(sealed: string | null, table: string, column: string, id: string | number | null): string | null {
  if (sealed === null) return null
  try {
    return activeSecretBox().open(sealed, `${table}.${column}`)
  } catch (error) {
    if (error instanceof SecretOpenError) throw new DataDecryptionException({ table, id, column }, error.reason)
    throw error
  }
}

/** Seals a secret for a raw SQL write to `table.column`. */
export function sealSecretValue(plaintext: string | null, table: string, column: string): string | null {
  return plaintext === null ? null : activeSecretBox().seal(plaintext, `${table}.${column}`)
}

/** Listed in the data source's `subscribers`; the decorator is how TypeORM recognises the class. */
@EventSubscriber()
export class SecretGuardSubscriber implements EntitySubscriberInterface {
  afterLoad(entity: object, event?: LoadEvent<object>): void {
    if (!event) return
    for (const column of event.metadata.columns) {
      if (!(column.transformer instanceof SecretTransformer)) continue
      const value = column.getEntityValue(entity)
      if (!(value instanceof UndecryptableSecret)) continue
      const ids = event.metadata.getEntityIdMap(entity)
      const id = ids ? (Object.values(ids)[0] as string | number) : null
      throw value.toError(id)
    }
  }
}

function splitContext(context: string): [string, string] {
  const dot = context.indexOf('.')
  return dot < 0 ? [context, '?'] : [context.slice(0, dot), context.slice(dot + 1)]
}
