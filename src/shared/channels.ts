/** The two Electron IPC channel names; the request channel itself travels inside the message. */
export const IPC_INVOKE = 'panel:invoke'
export const IPC_EVENT = 'panel:event'
