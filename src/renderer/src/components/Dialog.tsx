import { useEffect, useId, useRef, type ReactNode } from 'react'

interface DialogProps {
  title: string
  onClose(): void
  children: ReactNode
  footer?: ReactNode
  /** `wide` for tables (import preview), default for forms. */
  size?: 'normal' | 'wide'
  /** Set while work is under way: Esc and the close button do nothing. */
  busy?: boolean
  /** Why the last action failed, shown (and announced) below the body's content. */
  problem?: string | null
}

/**
 * A modal dialog on the native `<dialog>` (focus trap, Esc, inert background for free). Mounting
 * it opens it; the caller unmounts it to close.
 */
export function Dialog({ title, onClose, children, footer, size = 'normal', busy = false, problem = null }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])
  return (
    <dialog
      ref={ref}
      className={`dialog dialog-${size}`}
      aria-labelledby={titleId}
      aria-busy={busy || undefined}
      onCancel={(event) => {
        event.preventDefault()
        if (!busy) onClose()
      }}
    >
      <header className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={onClose} disabled={busy}>
          ×
        </button>
      </header>
      <div className="dialog-body">
        {children}
        {problem ? (
          <p className="form-problem" role="alert">
            {problem}
          </p>
        ) : null}
      </div>
      {footer ? <footer className="dialog-footer">{footer}</footer> : null}
    </dialog>
  )
}
