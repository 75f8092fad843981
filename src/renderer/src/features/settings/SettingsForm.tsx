import { useMemo, useState } from 'react'
import type { SettingKey, SettingsView } from '../../../../shared/contract/settings'
import { api, ApiError } from '../../api'
import { errorMessage, plural } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { useAppStore } from '../../stores/use-app-store'
import { automaticHint, buildPatch, isChanged, SETTINGS_SECTIONS, shownValue, validateEdits, type Edits, type FieldValue } from './settings-form'
import { SettingField } from './SettingField'
import { TestConnection } from './TestConnection'

/** Every setting, grouped; nothing is sent until every changed field is valid. */
export function SettingsForm({ view }: { view: SettingsView }) {
  const [edits, setEdits] = useState<Edits>({})
  const [serverErrors, setServerErrors] = useState<Partial<Record<SettingKey, string>>>({})
  const [saving, setSaving] = useState(false)
  const errors = useMemo(() => ({ ...serverErrors, ...validateEdits(view, edits) }), [view, edits, serverErrors])
  const changedKeys = (Object.keys(edits) as SettingKey[]).filter((key) => isChanged(view, edits, key))
  const invalid = Object.keys(validateEdits(view, edits)).length
  // `--sandbox` turns sandbox mode on for this run whatever the stored setting says: shown on, and not editable here.
  const sandboxForced = useAppStore((state) => state.systemInfo?.sandbox?.source === 'command_line')

  const change = (key: SettingKey, value: FieldValue) => {
    setEdits((previous) => ({ ...previous, [key]: value }))
    setServerErrors(({ [key]: _gone, ...rest }) => rest)
  }

  const save = async () => {
    const patch = buildPatch(view, edits)
    if (!patch) return
    setSaving(true)
    try {
      const next = await api.call('settings:update', patch)
      appStore.getState().setSettingsView(next)
      setEdits({})
      setServerErrors({})
      appStore.getState().showToast(`${plural(Object.keys(patch).length, 'setting')} saved.`, 'success')
    } catch (error) {
      const fields = error instanceof ApiError ? (error.details?.fields as Partial<Record<SettingKey, string>> | undefined) : undefined
      if (fields) setServerErrors(fields)
      appStore.getState().showToast(`Settings not saved: ${errorMessage(error)}`, 'error')
    } finally {
      setSaving(false)
    }
  }

  return (
    <form
      className="settings-form"
      aria-label="Settings"
      onSubmit={(event) => {
        event.preventDefault()
        void save()
      }}
    >
      {SETTINGS_SECTIONS.map((section) => {
        const fields = section.keys.map((key) => {
          const forced = sandboxForced && key === 'sandboxMode'
          return (
            <SettingField
              key={key}
              settingKey={key}
              state={forced ? { ...view.fields[key], editable: false } : view.fields[key]}
              value={forced ? true : shownValue(view, edits, key)}
              error={errors[key]}
              changed={isChanged(view, edits, key)}
              onChange={(value) => change(key, value)}
              placeholder={automaticHint(view, edits, key)}
              extra={key === 'gologinToken' ? <TokenActions view={view} draft={edits.gologinToken} onClear={() => change('gologinToken', null)} /> : undefined}
              note={
                forced ? (
                  <>
                    On for this run: the panel was started with <code>--sandbox</code>. Start it without <code>--sandbox</code> to use the real services
                    {view.values.sandboxMode ? ' (the stored setting is on too: turn it off here after that start).' : ' (the stored setting is off).'}
                  </>
                ) : undefined
              }
            />
          )
        })
        return section.advanced ? (
          <details key={section.title} className="settings-section" open={section.keys.some((key) => key in edits) || undefined}>
            <summary>
              <h2>{section.title}</h2>
              <span className="muted">Advanced</span>
            </summary>
            {section.help ? <p className="section-help">{section.help}</p> : null}
            {fields}
          </details>
        ) : (
          <section key={section.title} className="settings-section" aria-label={section.title}>
            <h2>{section.title}</h2>
            {section.help ? <p className="section-help">{section.help}</p> : null}
            {fields}
          </section>
        )
      })}
      {changedKeys.length > 0 ? (
        <div className="settings-savebar" role="region" aria-label="Save settings">
          <span className={invalid ? 'text-error' : 'muted'} role="status">
            {invalid ? `${plural(invalid, 'field needs', 'fields need')} fixing before you can save.` : plural(changedKeys.length, 'unsaved change')}
          </span>
          <button type="button" className="button" disabled={saving || changedKeys.length === 0} onClick={() => (setEdits({}), setServerErrors({}))}>
            Discard
          </button>
          <button type="submit" className="button button-primary" disabled={saving || changedKeys.length === 0 || invalid > 0}>
            {saving ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      ) : null}
    </form>
  )
}

function TokenActions({ view, draft, onClear }: { view: SettingsView; draft: FieldValue | undefined; onClear(): void }) {
  const state = view.fields.gologinToken
  return (
    <>
      <TestConnection draftToken={typeof draft === 'string' && draft.trim() ? draft.trim() : null} tokenSet={state.isSet} />
      {state.isSet && state.editable && draft !== null ? (
        <button type="button" className="link-button" onClick={onClear}>
          Remove
        </button>
      ) : null}
    </>
  )
}
