import { Notification } from 'electron'

export interface NotifyOptions {
  /** Called when the operator clicks the notification (e.g. bring the panel to the front). */
  onClick?: () => void
  silent?: boolean
}

/** Shows an OS notification (batch finished, token revoked…); false where the OS has none. */
export function notify(title: string, body: string, options: NotifyOptions = {}): boolean {
  if (!Notification.isSupported()) return false
  const notification = new Notification({ title, body, silent: options.silent ?? false })
  if (options.onClick) notification.on('click', options.onClick)
  notification.show()
  return true
}
