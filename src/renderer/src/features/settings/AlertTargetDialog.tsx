import { useMemo, useState, type ReactNode } from 'react'
import {
  ALERT_KIND_LABELS,
  ALERT_KINDS,
  ALERT_TARGET_TYPE_LABELS,
  ALERT_TARGET_TYPES,
  alertTargetInputSchema,
  type AlertKind,
  type AlertTargetInput,
  type AlertTargetType,
  type AlertTargetView,
} from '../../../../shared/contract/alerts'
import { api, ApiError } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage } from '../../lib/format'
import { appStore } from '../../stores/app-store'

interface Draft {
  name: string
  type: AlertTargetType
  url: string
  botToken: string
  chatId: string
  events: AlertKind[]
  enabled: boolean
}

type Errors = Partial<Record<keyof Draft, string>>

const URL_HELP: Record<Exclude<AlertTargetType, 'telegram'>, string> = {
  generic: 'Receives a JSON object: kind, level, title, message, host, at.',
  slack: 'Slack → Apps → Incoming Webhooks: https://hooks.slack.com/services/…',
  discord: 'Discord → channel settings → Integrations → Webhooks: https://discord.com/api/webhooks/…',
}

/** What is sent: a blank secret of a stored target of the same type keeps the stored one. */
function toInput(draft: Draft, target: AlertTargetView | null): AlertTargetInput {
  const keep = target?.type === draft.type
  const input: AlertTargetInput = { name: draft.name, type: draft.type, events: draft.events, enabled: draft.enabled, ...(target ? { id: target.id } : {}) }
  if (draft.type === 'telegram') {
    if (draft.botToken.trim() || !keep) input.botToken = draft.botToken
    input.chatId = draft.chatId
  } else if (draft.url.trim() || !keep) input.url = draft.url
  return input
}

function validate(draft: Draft, target: AlertTargetView | null): Errors {
  const parsed = alertTargetInputSchema.safeParse(toInput(draft, target))
  const errors: Errors = {}
  if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0]) as keyof Draft] ??= issue.message
  const keep = target?.type === draft.type
  if (draft.type === 'telegram') {
    if (!draft.botToken.trim() && !keep) errors.botToken ??= 'is required'
    if (!draft.chatId.trim()) errors.chatId ??= 'is required'
  } else if (!draft.url.trim() && !keep) errors.url ??= 'is required'
  return errors
}

interface AlertTargetDialogProps {
  /** The target to edit; null adds one. */
  target: AlertTargetView | null
  onClose(): void
  onSaved(target: AlertTargetView): void
}

/** Add or edit a webhook target. Secrets (the URL, the bot token) are write-only: left empty, the stored one stays. */
export function AlertTargetDialog({ target, onClose, onSaved }: AlertTargetDialogProps) {
  const [draft, setDraft] = useState<Draft>(() => ({
    name: target?.name ?? '',
    type: target?.type ?? 'generic',
    url: '',
    botToken: '',
    chatId: target?.chatId ?? '',
    events: target?.events ?? [...ALERT_KINDS],
    enabled: target?.enabled ?? true,
  }))
  const [touched, setTouched] = useState<ReadonlySet<keyof Draft>>(() => new Set())
  const [serverErrors, setServerErrors] = useState<Errors>({})
  const [busy, setBusy] = useState(false)
  const errors = useMemo(() => ({ ...serverErrors, ...validate(draft, target) }), [draft, target, serverErrors])
  const invalid = Object.keys(errors).length > 0
  const keepsSecret = target?.type === draft.type

  const set = <K extends keyof Draft>(field: K, value: Draft[K]) => {
    setDraft((previous) => ({ ...previous, [field]: value }))
    setTouched((previous) => new Set(previous).add(field))
    setServerErrors(({ [field]: _gone, ...rest }) => rest)
  }
  const shown = (field: keyof Draft) => (touched.has(field) ? errors[field] : undefined)

  const save = async () => {
    setTouched(new Set(Object.keys(draft) as Array<keyof Draft>))
    if (invalid) return
    setBusy(true)
    try {
      const saved = await api.call('alerts:saveTarget', toInput(draft, target))
      appStore.getState().showToast(`Alert target ${saved.name} saved.`, 'success')
      onSaved(saved)
    } catch (error) {
      const fields = error instanceof ApiError ? (error.details?.fields as Errors | undefined) : undefined
      if (fields) setServerErrors(fields)
      else appStore.getState().showToast(`Could not save the alert target: ${errorMessage(error)}`, 'error')
      setBusy(false)
    }
  }

  const footer = (
    <>
      <button type="button" className="button" onClick={onClose} disabled={busy}>
        Cancel
      </button>
      <button type="submit" form="alert-target-form" className="button button-primary" disabled={busy || (invalid && touched.size > 0)}>
        {busy ? 'Saving…' : 'Save target'}
      </button>
    </>
  )

  return (
    <Dialog title={target ? `Edit alert target ${target.name}` : 'Add alert target'} onClose={onClose} footer={footer} busy={busy}>
      <form
        id="alert-target-form"
        className="form-grid"
        noValidate
        onSubmit={(event) => {
          event.preventDefault()
          void save()
        }}
      >
        <Field id="alert-name" label="Name" error={shown('name')} help="How the panel names this target, e.g. Ops channel.">
          <input id="alert-name" value={draft.name} onChange={(e) => set('name', e.target.value)} aria-invalid={shown('name') ? true : undefined} />
        </Field>
        <Field id="alert-type" label="Kind" error={shown('type')}>
          <select id="alert-type" value={draft.type} onChange={(e) => set('type', e.target.value as AlertTargetType)}>
            {ALERT_TARGET_TYPES.map((type) => (
              <option key={type} value={type}>
                {ALERT_TARGET_TYPE_LABELS[type]}
              </option>
            ))}
          </select>
        </Field>
        {draft.type === 'telegram' ? (
          <>
            <Field
              id="alert-bot-token"
              label="Bot token"
              error={shown('botToken')}
              help={keepsSecret && target?.hasBotToken ? 'Stored encrypted. Leave empty to keep it.' : 'From @BotFather. Stored encrypted, never shown again.'}
            >
              <input
                id="alert-bot-token"
                type="password"
                autoComplete="off"
                value={draft.botToken}
                placeholder={keepsSecret && target?.hasBotToken ? '•••••••• (stored)' : ''}
                onChange={(e) => set('botToken', e.target.value)}
                aria-invalid={shown('botToken') ? true : undefined}
              />
            </Field>
            <Field id="alert-chat-id" label="Chat id" error={shown('chatId')} help="The chat, group (-100…) or @channel the bot writes to.">
              <input id="alert-chat-id" value={draft.chatId} onChange={(e) => set('chatId', e.target.value)} aria-invalid={shown('chatId') ? true : undefined} />
            </Field>
          </>
        ) : (
          <Field
            id="alert-url"
            label="Webhook URL"
            error={shown('url')}
            help={keepsSecret && target?.urlShown ? `Stored encrypted (${target.urlShown}). Leave empty to keep it.` : `${URL_HELP[draft.type]} Stored encrypted.`}
          >
            <input
              id="alert-url"
              type="password"
              autoComplete="off"
              value={draft.url}
              placeholder={keepsSecret && target?.urlShown ? `${target.urlShown} (stored)` : 'https://…'}
              onChange={(e) => set('url', e.target.value)}
              aria-invalid={shown('url') ? true : undefined}
            />
          </Field>
        )}
        <Field id="alert-events" label="Events" error={shown('events')}>
          <div id="alert-events" role="group" aria-label="Events">
            {ALERT_KINDS.map((kind) => (
              <label key={kind} className="check-line">
                <input
                  type="checkbox"
                  checked={draft.events.includes(kind)}
                  onChange={(e) => set('events', e.target.checked ? [...draft.events, kind] : draft.events.filter((k) => k !== kind))}
                />{' '}
                {ALERT_KIND_LABELS[kind]}
              </label>
            ))}
          </div>
        </Field>
        <Field id="alert-enabled" label="Sending">
          <label className="check-line">
            <input id="alert-enabled" type="checkbox" checked={draft.enabled} onChange={(e) => set('enabled', e.target.checked)} /> Send alerts to this target
          </label>
        </Field>
      </form>
    </Dialog>
  )
}

function Field({ id, label, error, help, children }: { id: string; label: string; error?: string; help?: string; children: ReactNode }) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <div className={`form-control${error ? ' has-error' : ''}`}>
        {children}
        {error ? (
          <p className="setting-error" role="alert">
            {error}
          </p>
        ) : help ? (
          <p className="setting-help">{help}</p>
        ) : null}
      </div>
    </>
  )
}
