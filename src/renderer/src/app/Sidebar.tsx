import { Icon } from '../components/Icon'
import type { PageId } from './route'

const NAV_ITEMS: { page: PageId; label: string }[] = [
  { page: 'profiles', label: 'Profiles' },
  { page: 'sessions', label: 'Sessions' },
  { page: 'hosts', label: 'Hosts' },
  { page: 'logs', label: 'Logs' },
  { page: 'settings', label: 'Settings' },
]

export function Sidebar({ current }: { current: PageId }) {
  return (
    <aside className="sidebar">
      <div className="brand" title="GoLogin Automation Panel">
        <span className="brand-mark" aria-hidden="true">G</span>
        <span className="brand-name">Automation Panel</span>
      </div>
      <nav aria-label="Main">
        <ul className="nav-list">
          {NAV_ITEMS.map(({ page, label }) => (
            <li key={page}>
              <a className="nav-link" href={`#/${page}`} aria-current={page === current ? 'page' : undefined}>
                <Icon name={page} />
                <span>{label}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
    </aside>
  )
}
