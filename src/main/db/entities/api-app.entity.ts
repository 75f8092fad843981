import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm'
import { secretColumn } from '../secret-column'

/** An X developer app (AIOTT1, …) that accounts are authorized for. v3.0 (was configuration only). */
@Entity({ name: 'api_apps' })
export class ApiAppEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number

  @Index('ix_api_apps_name', { unique: true })
  @Column({ name: 'name', type: 'varchar', length: 40, collation: 'NOCASE' })
  name!: string

  @Column({ name: 'oauth_version', type: 'varchar', length: 8, default: '2.0' })
  oauthVersion!: '2.0' | '1.0a'

  @Column({ name: 'client_type', type: 'varchar', length: 16, default: 'confidential' })
  clientType!: 'confidential' | 'public'

  @Column({ name: 'client_id', type: 'varchar', length: 255 })
  clientId!: string

  @Column(secretColumn('api_apps', 'client_secret', 'name'))
  clientSecret!: string | null

  @Column({ name: 'redirect_uri', type: 'text' })
  redirectUri!: string

  @Column({ name: 'scopes', type: 'json' })
  scopes!: string[]

  /** v3.1: who redeems X's answer, `panel` or the app's own `callback` (pass-through). */
  @Column({ name: 'redemption', type: 'varchar', length: 16, default: 'panel' })
  redemption!: 'panel' | 'callback'

  /** v3.1, pass-through: where the app's server begins the sign-in. */
  @Column({ name: 'start_url', type: 'text', nullable: true })
  startUrl!: string | null

  /** v3.1, pass-through: the text or URL pattern the callback's answer must show. */
  @Column({ name: 'callback_marker', type: 'text', nullable: true })
  callbackMarker!: string | null

  /** Defined by `<APP>_CLIENT_ID` / `_CLIENT_SECRET` / `_CALLBACK_URL` at start-up: not editable in the UI. */
  @Column({ name: 'env_managed', type: 'boolean', default: false })
  envManaged!: boolean

  /** v3.4: MAC of the row's fields under the data key (`row-mac.ts`): a row changed without the key is refused. */
  @Column({ name: 'mac', type: 'varchar', length: 64, nullable: true })
  mac!: string | null

  @CreateDateColumn({ name: 'created_at', type: 'datetime' })
  createdAt!: Date

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', nullable: true })
  updatedAt!: Date | null
}
