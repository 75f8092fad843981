import { useEffect } from 'react'
import { useAppStore } from '../stores/use-app-store'
import type { Toast } from '../stores/ui-slice'

const TOAST_MS = 3_500

export function ToastHost() {
  const toasts = useAppStore((state) => state.toasts)
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <ToastItem key={toast.id} toast={toast} />
      ))}
    </div>
  )
}

function ToastItem({ toast }: { toast: Toast }) {
  const dismiss = useAppStore((state) => state.dismissToast)
  useEffect(() => {
    const timer = setTimeout(() => dismiss(toast.id), toast.tone === 'error' || toast.tone === 'warn' || toast.title ? TOAST_MS * 2 : TOAST_MS)
    return () => clearTimeout(timer)
  }, [toast.id, toast.tone, toast.title, dismiss])
  return (
    <div className={`toast toast-${toast.tone}`}>
      <span className="toast-text">
        {toast.title ? <strong className="toast-title">{toast.title}</strong> : null}
        <span>{toast.text}</span>
      </span>
      <button type="button" className="toast-close" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
        ×
      </button>
    </div>
  )
}
