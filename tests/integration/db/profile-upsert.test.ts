import { describe, expect, it } from 'vitest'
import { ProfileEntity, upsertProfiles, type ProfileUpsertRow } from '../../../src/main/db'
import { openTestDb } from './test-db'

function gologinRows(count: number, from = 0): ProfileUpsertRow[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i
    return {
      profileId: `gl-${n.toString(16).padStart(24, '0')}`,
      profileName: `Profile ${n}`,
      metadata: { folder: `F${n % 20}`, tags: ['x', `t${n % 7}`], notes: `@user_${n}`, os: 'win', proxy: { mode: 'http', host: '10.0.0.1', port: 8000 + (n % 100) } },
      mapping: { twitterUsername: `user_${n}`, apiApp: null, source: 'pattern' },
    }
  })
}

const count = async (db: Awaited<ReturnType<typeof openTestDb>>) => (await db.dataSource.query('SELECT COUNT(*) AS n FROM profiles'))[0].n

describe('upsertProfiles', () => {
  // ~6 s alone on PostgreSQL; 31 s once beside two other test files on 2 cores.
  it('stores 40,000 profiles once and reports a second identical run as unchanged, then counts real changes', { timeout: 120_000 }, async () => {
    const db = await openTestDb()
    try {
      const rows = gologinRows(40_000)
      expect(await upsertProfiles(db.dataSource, rows, { syncedAt: new Date() })).toEqual({ added: 40_000, updated: 0, unchanged: 0 })
      expect(await count(db)).toBe(40_000)

      expect(await upsertProfiles(db.dataSource, rows, { syncedAt: new Date() })).toEqual({ added: 0, updated: 0, unchanged: 40_000 })
      expect(await count(db)).toBe(40_000)

      const next = [...rows.map((row, i) => (i % 400 === 0 ? { ...row, profileName: `${row.profileName} (renamed)` } : row)), ...gologinRows(50, 40_000)]
      expect(await upsertProfiles(db.dataSource, next)).toEqual({ added: 50, updated: 100, unchanged: 39_900 })
      expect(await count(db)).toBe(40_050)
      const renamed = await db.dataSource.getRepository(ProfileEntity).findOneByOrFail({ profileId: rows[400].profileId })
      expect(renamed.profileName).toBe('Profile 400 (renamed)')
    } finally {
      await db.close()
    }
  })

  it('never lets a sync overwrite a mapping the operator imported or edited', async () => {
    const db = await openTestDb()
    try {
      const base = { profileName: 'P', metadata: null }
      await upsertProfiles(db.dataSource, [
        { ...base, profileId: 'a', mapping: { twitterUsername: 'imported_a', apiApp: 'AIOTT1', source: 'import' } },
        { ...base, profileId: 'b', mapping: { twitterUsername: 'edited_b', apiApp: 'AIOTT2', source: 'edit' } },
        { ...base, profileId: 'c', mapping: { twitterUsername: 'pattern_c', source: 'pattern' } },
        { ...base, profileId: 'd' },
      ])
      const sync = await upsertProfiles(
        db.dataSource,
        ['a', 'b', 'c', 'd'].map((id) => ({ ...base, profileId: id, mapping: { twitterUsername: `notes_${id}`, apiApp: null, source: 'pattern' as const } })),
        { syncedAt: new Date() },
      )
      expect(sync).toEqual({ added: 0, updated: 2, unchanged: 2 })
      const byId = async () =>
        Object.fromEntries((await db.dataSource.getRepository(ProfileEntity).find()).map((p) => [p.profileId, [p.twitterUsername, p.apiApp, p.mappingSource]]))
      expect(await byId()).toEqual({
        a: ['imported_a', 'AIOTT1', 'import'],
        b: ['edited_b', 'AIOTT2', 'edit'],
        c: ['notes_c', null, 'pattern'],
        d: ['notes_d', null, 'pattern'],
      })

      // An import always wins, and a row without mapping leaves the stored one alone.
      await upsertProfiles(db.dataSource, [
        { ...base, profileId: 'c', mapping: { twitterUsername: '@Imported_C', apiApp: 'AIOTT1', source: 'import' } },
        { ...base, profileId: 'a', profileName: 'renamed' },
      ])
      expect((await byId()).c).toEqual(['Imported_C', 'AIOTT1', 'import'])
      expect((await byId()).a).toEqual(['imported_a', 'AIOTT1', 'import'])
    } finally {
      await db.close()
    }
  })

  it('finds usernames whatever their case, keeps no proxy password and stamps last_synced only on syncs', async () => {
    const db = await openTestDb()
    try {
      const syncedAt = new Date('2026-01-02T03:04:05.678Z')
      await upsertProfiles(
        db.dataSource,
        [
          {
            profileId: 'p1',
            profileName: 'One',
            metadata: { proxy: { mode: 'socks5', host: 'h', port: 1, username: 'u', password: 'proxy-pass-123' } as never },
            mapping: { twitterUsername: ' @Alice_X ', source: 'pattern' },
          },
        ],
        { syncedAt },
      )
      const repo = db.dataSource.getRepository(ProfileEntity)
      const found = await repo.findOneByOrFail({ twitterUsername: 'ALICE_x' })
      expect(found.twitterUsername).toBe('Alice_X')
      expect(found.metadata).toEqual({ proxy: { mode: 'socks5', host: 'h', port: 1, username: 'u' } })
      expect(found.lastSynced?.toISOString()).toBe(syncedAt.toISOString())
      const raw = await db.dataSource.query('SELECT metadata FROM profiles')
      expect(JSON.stringify(raw)).not.toContain('proxy-pass-123')

      await upsertProfiles(db.dataSource, [{ profileId: 'p1', profileName: 'One renamed' }])
      expect((await repo.findOneByOrFail({ profileId: 'p1' })).lastSynced?.toISOString()).toBe(syncedAt.toISOString())
    } finally {
      await db.close()
    }
  })

  it('lets the event loop run between chunks', async () => {
    const db = await openTestDb()
    try {
      let turns = 0
      let spinning = true
      const spin = () => {
        turns += 1
        if (spinning) setImmediate(spin)
      }
      setImmediate(spin)
      const seen: number[] = []
      await upsertProfiles(db.dataSource, gologinRows(5_000), { chunkSize: 500, onProgress: () => seen.push(turns) })
      spinning = false
      expect(seen).toHaveLength(10)
      expect(new Set(seen).size).toBeGreaterThanOrEqual(9)
    } finally {
      await db.close()
    }
  })

  it('waits for another open transaction instead of joining it, so that one’s rollback cannot undo the upsert', async () => {
    const db = await openTestDb()
    try {
      let started!: () => void
      let release!: () => void
      const hasStarted = new Promise<void>((resolve) => (started = resolve))
      const released = new Promise<void>((resolve) => (release = resolve))
      const other = db.dataSource.transaction(async (manager) => {
        await manager.query(`INSERT INTO profiles (profile_id, profile_name) VALUES ('rolled-back', 'x')`)
        started()
        await released
        throw new Error('roll back')
      })
      await hasStarted
      const upsert = upsertProfiles(db.dataSource, gologinRows(1_200), { chunkSize: 500 })
      release()
      await expect(other).rejects.toThrow('roll back')
      expect(await upsert).toEqual({ added: 1_200, updated: 0, unchanged: 0 })
      expect(await count(db)).toBe(1_200)
    } finally {
      await db.close()
    }
  })

  it('rejects a row without a profile id, naming it, and keeps the last of duplicate ids', async () => {
    const db = await openTestDb()
    try {
      await expect(upsertProfiles(db.dataSource, [{ profileId: 'ok', profileName: 'a' }, { profileId: ' ', profileName: 'b' }])).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
        message: 'Profile row 2 has no GoLogin profile id',
      })
      expect(await count(db)).toBe(0)
      const result = await upsertProfiles(db.dataSource, [
        { profileId: 'dup', profileName: 'first' },
        { profileId: 'dup', profileName: 'second' },
      ])
      expect(result).toEqual({ added: 1, updated: 0, unchanged: 0 })
      expect((await db.dataSource.getRepository(ProfileEntity).findOneByOrFail({ profileId: 'dup' })).profileName).toBe('second')
    } finally {
      await db.close()
    }
  })
})
