import { useId, type ReactNode } from 'react'
import { SETTING_DEFS, type SettingKey, type SettingState } from '../../../../shared/contract/settings'
import { DURATION_UNITS, durationHint, ENUM_LABELS, enumOptions, fieldKind, fieldLabel, type FieldValue } from './settings-form'

interface SettingFieldProps {
  settingKey: SettingKey
  state: SettingState
  value: FieldValue
  error: string | undefined
  changed: boolean
  onChange(value: FieldValue): void
  /** Extra controls after the input (Test connection). */
  extra?: ReactNode
  /** Shown in an empty input (what applies when it stays empty). */
  placeholder?: string | null
  /** Why the field is read-only this run, in place of its help (e.g. sandbox mode forced by --sandbox). */
  note?: ReactNode
}

/**
 * One setting: label, input, help, and either its validation message (or why its stored row was refused)
 * or the environment variable that overrides it (then the input is read-only).
 */
export function SettingField({ settingKey, state, value, error, changed, onChange, extra, placeholder, note }: SettingFieldProps) {
  const def = SETTING_DEFS[settingKey]
  const id = useId()
  const kind = fieldKind(settingKey)
  const locked = !state.editable
  const describedBy = `${id}-note`
  // A stored row this host refused (changed without the data key) reads as an error until it is saved again.
  error ??= state.refused
  const common = {
    id,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    disabled: locked,
  }

  let input: ReactNode
  if (kind === 'boolean') {
    input = <input type="checkbox" {...common} checked={value === true} onChange={(event) => onChange(event.target.checked)} />
  } else if (kind === 'enum') {
    input = (
      <select {...common} value={String(value)} onChange={(event) => onChange(event.target.value)}>
        {enumOptions(settingKey).map((option) => (
          <option key={option} value={option}>
            {ENUM_LABELS[option] ?? option}
          </option>
        ))}
      </select>
    )
  } else if (kind === 'secret') {
    input = (
      <input
        type="password"
        {...common}
        autoComplete="off"
        spellCheck={false}
        placeholder={value === null ? 'Will be removed when you save' : state.isSet ? '•••••••• stored — type to replace' : 'Not set'}
        value={typeof value === 'string' ? value : ''}
        onChange={(event) => onChange(event.target.value)}
      />
    )
  } else {
    input = (
      <input
        type="text"
        inputMode={kind === 'integer' ? 'numeric' : undefined}
        {...common}
        spellCheck={false}
        className={kind === 'integer' ? 'input-number' : undefined}
        placeholder={placeholder ?? undefined}
        value={String(value ?? '')}
        onChange={(event) => onChange(event.target.value)}
      />
    )
  }

  return (
    <div className={`setting${error ? ' has-error' : ''}${changed ? ' is-changed' : ''}${locked ? ' is-locked' : ''}`}>
      <label htmlFor={id} className="setting-label">
        {fieldLabel(settingKey)}
      </label>
      <div className="setting-control">
        <div className="setting-input">
          {input}
          {DURATION_UNITS[settingKey] ? <span className="setting-unit">s {durationHint(settingKey, value || placeholder?.replace(/^Automatic: /, '') || '')}</span> : null}
        </div>
        {extra ? <div className="setting-actions">{extra}</div> : null}
        <p id={describedBy} className={error ? 'setting-error' : 'setting-help'} role={error ? 'alert' : undefined}>
          {error ??
            note ??
            (state.envVar && !state.editable ? (
              <>
                Set by the environment variable <code>{state.envVar}</code>; change it there.
              </>
            ) : (
              (def.help ?? '')
            ))}
        </p>
      </div>
    </div>
  )
}
