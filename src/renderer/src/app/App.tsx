import { useEffect } from 'react'
import { HostsPage } from '../features/hosts/HostsPage'
import { LogsPage } from '../features/logs/LogsPage'
import { ProfilesPage } from '../features/profiles/ProfilesPage'
import { SessionsPage } from '../features/sessions/SessionsPage'
import { SettingsPage } from '../features/settings/SettingsPage'
import { AccessRefused } from './AccessRefused'
import { BatchProgressSlot } from './BatchProgressSlot'
import { RunBanners } from './RunBanners'
import type { Route } from './route'
import { Sidebar } from './Sidebar'
import { StatusBar } from './StatusBar'
import { ToastHost } from './ToastHost'
import { useHashRoute } from './use-hash-route'

const PAGE_TITLES: Record<Route['page'], string> = { profiles: 'Profiles', sessions: 'Sessions', hosts: 'Hosts', logs: 'Logs', settings: 'Settings' }

export function App() {
  const route = useHashRoute()
  useEffect(() => {
    document.title = `${PAGE_TITLES[route.page]} — GoLogin Automation Panel`
  }, [route.page])
  return (
    <div className="app">
      <Sidebar current={route.page} />
      <div className="app-main">
        <AccessRefused />
        <RunBanners />
        <BatchProgressSlot />
        <main className="page" aria-labelledby="page-title">
          <CurrentPage route={route} />
        </main>
      </div>
      <StatusBar />
      <ToastHost />
    </div>
  )
}

function CurrentPage({ route }: { route: Route }) {
  switch (route.page) {
    case 'profiles':
      return <ProfilesPage />
    case 'sessions':
      return <SessionsPage />
    case 'hosts':
      return <HostsPage />
    case 'logs':
      return <LogsPage sessionFilter={route.params.session ?? ''} />
    case 'settings':
      return <SettingsPage />
  }
}
