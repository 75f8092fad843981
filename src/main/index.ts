/** Electron entry: everything that touches Electron lives in ./electron (DESIGN.md §2). */
import { startDesktopApp } from './electron/main'

startDesktopApp()
