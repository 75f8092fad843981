// First: installs React Refresh from a module, since the CSP blocks Vite's inline dev preamble (empty in builds).
import '@vitejs/plugin-react/preamble'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { api, getBridge, getWsBridge } from './api'
import { App } from './app/App'
import { appStore } from './stores/app-store'
import { connectStore } from './stores/connect-store'
import { loaders } from './stores/panel'
import './styles/theme.css'
import './styles/frame.css'
import './styles/logs.css'
import './styles/controls.css'
import './styles/grid.css'
import './styles/batch.css'
import './styles/settings.css'

connectStore(appStore, getBridge(), api, getWsBridge(), loaders)

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
