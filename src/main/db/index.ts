/** The data layer: open the database, the entities, bulk profile writes, secret-column helpers. */
export { createDataSource, DATABASE_FILE_NAME, openDatabase, type Database, type OpenDatabaseOptions } from './data-source'
export * from './entities'
export { MIGRATIONS, MIGRATION_NAMES } from './migrations'
export { normalizeUsername, upsertProfiles, type ProfileUpsertRow, type UpsertProfilesOptions, type UpsertProfilesResult } from './profile-upsert'
export { activeSecretBox, openSecretValue, sealSecretValue, UndecryptableSecret } from './secret-column'
export { isoFromSqlite, sqliteDateTime, sqliteHandle } from './sqlite-handle'
