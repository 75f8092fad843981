/**
 * Environment variables that hold a secret. A host reads them once at start-up, from its own copy of the
 * environment, and removes them from `process.env` so that nothing it starts (browsers, helpers) inherits them.
 * The kernel's copy in /proc/PID/environ keeps the initial environment whatever the process does: the `_FILE`
 * forms (DATA_KEY_PASSPHRASE_FILE, `--database-url-file`) keep the secret out of it (see the README).
 */
export const SECRET_ENV_VARS = ['DATABASE_URL', 'DATA_KEY_PASSPHRASE'] as const

/** A copy of `env` for the host to read, after removing the secret variables from `env` itself. */
export function takeSecretEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const copy = { ...env }
  for (const name of SECRET_ENV_VARS) delete env[name]
  return copy
}
