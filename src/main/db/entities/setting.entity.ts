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

  @Column(secretColumn('settings', 'secret_value'))
  secretValue!: string | null

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', nullable: true })
  updatedAt!: Date | null
}
