/** Start-up recovery after a crash, the hourly cleanup, the journal of started profiles, bounded shutdown. */
export { INTERRUPTED_MESSAGE, NOT_STARTED_MESSAGE, recoverAfterCrash, type CrashRecoveryOptions, type ProfileStopper, type RecoveryReport } from './crash-recovery'
export { SessionCleanup, type CleanupReport, type LiveSessions, type RunningProfiles, type SessionCleanupOptions } from './session-cleanup'
export { runShutdown, type ShutdownReport, type ShutdownStep } from './shutdown'
export { JOURNAL_FILE_NAME, StartedProfilesJournal, type SlotActivity } from './started-profiles-journal'
export { lastLogTime, restartNotice } from './restart-notice'
