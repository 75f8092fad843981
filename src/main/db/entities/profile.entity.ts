import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm'

/** Where a profile's username / API-app mapping came from; sync only overwrites `pattern` (or none). */
export const MAPPING_SOURCES = ['import', 'edit', 'pattern'] as const
export type MappingSource = (typeof MAPPING_SOURCES)[number]

/** GoLogin facts kept for the grid. The proxy password is never stored. */
export interface ProfileMetadata {
  folder?: string | null
  tags?: string[]
  notes?: string | null
  os?: string | null
  proxy?: { mode: string; host?: string | null; port?: number | null; username?: string | null; country?: string | null } | null
}

/**
 * A GoLogin browser profile and the X account / API app it is mapped to.
 * v1.0: initial; v2.1: last_synced, metadata; v3.0: mapping_source, case-insensitive username; v3.6: manual fix.
 */
@Entity({ name: 'profiles' })
export class ProfileEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number

  @Index('ix_profiles_profile_id', { unique: true })
  @Column({ name: 'profile_id', type: 'varchar', length: 64 })
  profileId!: string

  @Column({ name: 'profile_name', type: 'varchar', length: 255, default: '' })
  profileName!: string

  /** Stored as entered (without `@`); the column ignores case (SQLite NOCASE, PostgreSQL citext), so lookups do. */
  @Index('ix_profiles_twitter_username')
  @Column({ name: 'twitter_username', type: 'varchar', length: 50, nullable: true, collation: 'NOCASE' })
  twitterUsername!: string | null

  @Column({ name: 'api_app', type: 'varchar', length: 64, nullable: true })
  apiApp!: string | null

  @Column({ name: 'mapping_source', type: 'varchar', length: 16, nullable: true })
  mappingSource!: MappingSource | null

  @Column({ name: 'metadata', type: 'json', nullable: true })
  metadata!: ProfileMetadata | null

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean

  @Column({ name: 'in_use', type: 'boolean', default: false })
  inUse!: boolean

  /** PostgreSQL: the host whose slots hold the profile while `in_use` (no other host starts it meanwhile). */
  @Column({ name: 'in_use_by', type: 'varchar', length: 255, nullable: true })
  inUseBy!: string | null

  /** Set aside as "needs a manual fix" since then (v3.6): retries leave the account out until it is cleared. */
  @Column({ name: 'manual_fix_since', type: 'datetime', nullable: true })
  manualFixSince!: Date | null

  /** The error code the account was set aside for. */
  @Column({ name: 'manual_fix_reason', type: 'varchar', length: 64, nullable: true })
  manualFixReason!: string | null

  @Column({ name: 'last_synced', type: 'datetime', nullable: true })
  lastSynced!: Date | null

  @CreateDateColumn({ name: 'created_at', type: 'datetime' })
  createdAt!: Date

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', nullable: true })
  updatedAt!: Date | null
}
