import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm'
import { secretColumn } from '../secret-column'

/** One stored setting: a JSON value, or (secret settings) an encrypted string. v3.0. */
@Entity({ name: 'settings' })
export class SettingEntity {
  @PrimaryColumn({ name: 'key', type: 'varchar', length: 64 })
  key!: string

  /** JSON-encoded value of a plain setting; null for secret settings. */
  @Column({ name: 'value', type: 'text', nullable: true })
  value!: string | null

  @Column(secretColumn('settings', 'secret_value', 'key'))
  secretValue!: string | null

  /** v3.4: MAC of a plain setting under the data key (`row-mac.ts`); null for secret settings (their ciphertext is bound to the row). */
  @Column({ name: 'mac', type: 'varchar', length: 64, nullable: true })
  mac!: string | null

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', nullable: true })
  updatedAt!: Date | null
}
