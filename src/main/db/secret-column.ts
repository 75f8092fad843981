/**
 * Secret columns: a TypeORM transformer that seals values on write and opens them on read, plus a
 * subscriber that binds each value to its row and turns a value that failed to open into a
 * `DataDecryptionException` naming the row.
 *
 * Why two parts: a transformer only sees the value, not the row. So `from()` never throws: a value bound
 * to its row (v2) comes back as an `UndecryptableSecret` marker (`row_not_read`) that
 * `SecretGuardSubscriber.afterLoad` — which sees the entity — opens with the row's key, and a value that
 * fails comes back as a marker (holding the stored ciphertext, not plaintext) the subscriber throws on,
 * naming table, id and column. A marker written back (e.g. an entity loaded with `listeners: false`, then
 * saved) stores the original ciphertext again, so nothing is ever lost or replaced by garbage.
 *
 * Writes: `save()` binds by itself (the subscriber sees the entity and its key); an `update()` passes
 * `secretFor(rowKey, value)`. A bare string written by `update()` is still sealed, bound to its column only.
 *
 * The transformer is declared once per column (decorators are static), so it uses the process-wide
 * active `SecretBox` that `openDatabase` installs. One data key per process: opening a second
 * database with a different key while the first is open is refused.
 */
import { EventSubscriber, type EntitySubscriberInterface, type InsertEvent, type LoadEvent, type UpdateEvent, type ValueTransformer } from 'typeorm'
import { DataDecryptionException, rowContext, SecretOpenError, type SecretBox, type SecretOpenFailure } from '../security/secret-box'

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

/** Stands in for a secret that could not be decrypted (or not yet: its row's key was not read). Any attempt to use it as text throws. */
export class UndecryptableSecret {
  constructor(
    readonly sealed: string,
    readonly context: string,
    readonly reason: SecretOpenFailure | 'row_not_read',
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

/** A plaintext on its way into the row whose stable key is `rowKey` (see `secretFor`). */
class RowSecret {
  constructor(
    readonly rowKey: string,
    readonly plaintext: string,
  ) {}
}

/**
 * The value to write into a secret column with `update()`: sealed bound to the row whose stable key is
 * `rowKey` (the session id, the app's name, the setting's key). Typed as the column's text so an update
 * accepts it; it is only ever written, never read back.
 */
export function secretFor(rowKey: string, plaintext: string): string
export function secretFor(rowKey: string, plaintext: string | null): string | null
export function secretFor(rowKey: string, plaintext: string | null): string | null {
  return plaintext === null ? null : (new RowSecret(rowKey, plaintext) as unknown as string)
}

export class SecretTransformer implements ValueTransformer {
  readonly context: string

  /** @param rowKey the entity property holding the row's stable key, bound into each ciphertext with `table.column`. */
  constructor(
    readonly table: string,
    readonly column: string,
    readonly rowKey: string,
  ) {
    this.context = `${table}.${column}`
  }

  to(value: unknown): unknown {
    if (value instanceof UndecryptableSecret) return value.sealed
    if (value instanceof RowSecret) return activeSecretBox().seal(value.plaintext, rowContext(this.table, this.column, value.rowKey))
    // Null, undefined and find operators (IsNull(), …) pass through; find operators carry their own values.
    if (typeof value !== 'string') return value
    // No row known (an update without `secretFor`): still never plaintext.
    return activeSecretBox().seal(value, this.context)
  }

  from(value: unknown): unknown {
    if (value === null || value === undefined) return value
    const sealed = String(value)
    // Bound to its row: `afterLoad` opens it with the row's key.
    if (sealed.startsWith('v2:')) return new UndecryptableSecret(sealed, this.context, 'row_not_read')
    try {
      return activeSecretBox().open(sealed, this.context)
    } catch (error) {
      if (error instanceof SecretOpenError) return new UndecryptableSecret(sealed, this.context, error.reason)
      throw error
    }
  }

  /** Opens a marker `from()` left for the row (`rowKey` its key); other values as they are. */
  openForRow(value: unknown, rowKey: unknown): unknown {
    if (!(value instanceof UndecryptableSecret) || value.reason !== 'row_not_read' || typeof rowKey !== 'string') return value
    try {
      return activeSecretBox().open(value.sealed, rowContext(this.table, this.column, rowKey))
    } catch (error) {
      if (error instanceof SecretOpenError) return new UndecryptableSecret(value.sealed, this.context, error.reason)
      throw error
    }
  }
}

/** Column options for a secret column: `@Column(secretColumn('authorization_sessions', 'access_token', 'sessionId'))`. */
export function secretColumn(table: string, column: string, rowKey: string) {
  return { name: column, type: 'text', nullable: true, transformer: new SecretTransformer(table, column, rowKey) } as const
}

/** Opens a secret read with raw SQL (no transformer ran), bound to the row whose stable key is `rowKey`; names the row (`id`) on failure. */
export function openSecretValue(sealed: string | null, table: string, column: string, rowKey: string, id: string | number | null = rowKey): string | null {
  if (sealed === null) return null
  try {
    return activeSecretBox().open(sealed, rowContext(table, column, rowKey))
  } catch (error) {
    if (error instanceof SecretOpenError) throw new DataDecryptionException({ table, id, column }, error.reason)
    throw error
  }
}

/** Seals a secret for a raw SQL write to `table.column` of the row whose stable key is `rowKey`. */
export function sealSecretValue(plaintext: string | null, table: string, column: string, rowKey: string): string | null {
  return plaintext === null ? null : activeSecretBox().seal(plaintext, rowContext(table, column, rowKey))
}

/** Listed in the data source's `subscribers`; the decorator is how TypeORM recognises the class. */
@EventSubscriber()
export class SecretGuardSubscriber implements EntitySubscriberInterface {
  afterLoad(entity: object, event?: LoadEvent<object>): void {
    if (!event) return
    for (const column of event.metadata.columns) {
      const transformer = column.transformer
      if (!(transformer instanceof SecretTransformer)) continue
      const value = transformer.openForRow(column.getEntityValue(entity), (entity as Record<string, unknown>)[transformer.rowKey])
      if (!(value instanceof UndecryptableSecret)) {
        column.setEntityValue(entity, value)
        continue
      }
      const ids = event.metadata.getEntityIdMap(entity)
      const id = ids ? (Object.values(ids)[0] as string | number) : null
      throw value.toError(id)
    }
  }

  /** `save()`: each plaintext is bound to the row being saved (its key is on the entity, or on the row it updates). */
  beforeInsert(event: InsertEvent<object>): void {
    bindToRow(event.metadata.columns, event.entity)
  }

  beforeUpdate(event: UpdateEvent<object>): void {
    bindToRow(event.metadata.columns, event.entity, event.databaseEntity)
  }

  /** The saved entity holds its plaintexts again, as the caller passed them. */
  afterInsert(event: InsertEvent<object>): void {
    unbind(event.metadata.columns, event.entity)
  }

  afterUpdate(event: UpdateEvent<object>): void {
    unbind(event.metadata.columns, event.entity)
  }
}

type Columns = LoadEvent<object>['metadata']['columns']

function bindToRow(columns: Columns, entity: object | undefined, stored?: object): void {
  if (!entity) return
  for (const column of columns) {
    const transformer = column.transformer
    if (!(transformer instanceof SecretTransformer)) continue
    const value = column.getEntityValue(entity)
    if (typeof value !== 'string') continue
    const rowKey = (entity as Record<string, unknown>)[transformer.rowKey] ?? (stored as Record<string, unknown> | undefined)?.[transformer.rowKey]
    if (typeof rowKey === 'string') column.setEntityValue(entity, secretFor(rowKey, value))
  }
}

function unbind(columns: Columns, entity: object | undefined): void {
  if (!entity) return
  for (const column of columns) {
    if (!(column.transformer instanceof SecretTransformer)) continue
    const value: unknown = column.getEntityValue(entity)
    if (value instanceof RowSecret) column.setEntityValue(entity, value.plaintext)
  }
}

function splitContext(context: string): [string, string] {
  const dot = context.indexOf('.')
  return dot < 0 ? [context, '?'] : [context.slice(0, dot), context.slice(dot + 1)]
}
