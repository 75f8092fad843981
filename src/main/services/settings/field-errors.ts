import type { z } from 'zod'
import { ValidationException } from '../../../shared/errors'

/** Field path → first message, from zod issues (e.g. `{ redirectUri: 'must be an https:// URL…' }`). */
export function issuesToFields(issues: readonly z.core.$ZodIssue[], prefix = ''): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const issue of issues) {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(input)'
    fields[path] ??= issue.message
  }
  return fields
}

/** One `VALIDATION_ERROR` naming every bad field: the message lists them, `details.fields` maps them. */
export function fieldsError(what: string, fields: Record<string, string>): ValidationException {
  const summary = Object.entries(fields)
    .map(([field, message]) => `${field} ${message}`)
    .join('; ')
  return new ValidationException(`${what}: ${summary}`, { fields })
}
