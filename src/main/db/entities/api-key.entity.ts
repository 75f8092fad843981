import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm'

/** A key of the local REST API; only its hash is stored. v1.1: initial; v3.0: prefix, scopes, revoked_at. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number

  @Column({ name: 'name', type: 'varchar', length: 100 })
  name!: string

  @Index('ix_api_keys_key_hash', { unique: true })
  @Column({ name: 'key_hash', type: 'varchar', length: 128 })
  keyHash!: string

  /** First characters of the key, shown so the operator can tell keys apart. */
  @Column({ name: 'prefix', type: 'varchar', length: 16, nullable: true })
  prefix!: string | null

  @Column({ name: 'scopes', type: 'json', nullable: true })
  scopes!: string[] | null

  @CreateDateColumn({ name: 'created_at', type: 'datetime' })
  createdAt!: Date

  @Column({ name: 'last_used', type: 'datetime', nullable: true })
  lastUsed!: Date | null

  @Column({ name: 'revoked_at', type: 'datetime', nullable: true })
  revokedAt!: Date | null
}
