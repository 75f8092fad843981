import { randomUUID } from 'node:crypto'
import { AuthorizationSessionEntity, ProfileEntity, type Database } from '../../../src/main/db'

export type SessionSeed = Partial<Omit<AuthorizationSessionEntity, 'id'>> & { profileId: string }

/** Writes a session through the entity, so its tokens are sealed exactly as the panel stores them. */
export async function seedSession(db: Pick<Database, 'dataSource'>, seed: SessionSeed): Promise<AuthorizationSessionEntity> {
  const repo = db.dataSource.getRepository(AuthorizationSessionEntity)
  return repo.save(
    repo.create({
      sessionId: randomUUID(),
      apiApp: 'AIOTT1',
      status: 'pending',
      twitterUsername: null,
      ...seed,
    }),
  )
}

/** A completed authorization holding tokens (valid, expiring in two hours unless told otherwise). */
export function seedToken(db: Pick<Database, 'dataSource'>, seed: SessionSeed & { twitterUsername: string }): Promise<AuthorizationSessionEntity> {
  const completedAt = seed.completedAt ?? new Date()
  return seedSession(db, {
    status: 'completed',
    accessToken: `at-${randomUUID()}`,
    refreshToken: `rt-${randomUUID()}`,
    scopes: ['tweet.read', 'users.read', 'offline.access'],
    xUserId: String(Math.floor(Math.random() * 1e12)),
    expiresAt: new Date(completedAt.getTime() + 2 * 3_600_000),
    tokenStatus: 'valid',
    startedAt: completedAt,
    completedAt,
    ...seed,
  })
}

export async function seedProfile(db: Pick<Database, 'dataSource'>, profileId: string, fields: Partial<ProfileEntity> = {}): Promise<void> {
  const repo = db.dataSource.getRepository(ProfileEntity)
  await repo.save(repo.create({ profileId, profileName: `Profile ${profileId}`, ...fields }))
}

export async function sessionRow(db: Pick<Database, 'dataSource'>, sessionId: string): Promise<AuthorizationSessionEntity> {
  return db.dataSource.getRepository(AuthorizationSessionEntity).findOneByOrFail({ sessionId })
}

export const hoursAgo = (hours: number, from = Date.now()) => new Date(from - hours * 3_600_000)
