/** Small line icons drawn inline (no icon font, nothing fetched), always decorative. */
const PATHS = {
  profiles: 'M3 4h14M3 8h14M3 12h14M3 16h9',
  sessions: 'M10 3a7 7 0 1 0 7 7M10 6v4l3 2M14 3h3v3',
  logs: 'M4 3h9l3 3v11H4zM7 9h6M7 12h6M7 15h4',
  hosts: 'M3 4h14v5H3zM3 11h14v5H3zM6 6.5h.01M6 13.5h.01',
  settings: 'M10 7a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM10 2v2.5M10 15.5V18M2 10h2.5M15.5 10H18M4.3 4.3l1.8 1.8M13.9 13.9l1.8 1.8M4.3 15.7l1.8-1.8M13.9 6.1l1.8-1.8',
  copy: 'M7 7h9v10H7zM4 13V3h9',
  down: 'M10 4v11M5 10l5 5 5-5',
  chevron: 'M7 5l5 5-5 5',
  eraser: 'M4 14l7-7 5 5-4 4H7zM9 16h8',
  pen: 'M4 16l1-4 8-8 3 3-8 8zM11 6l3 3',
  search: 'M9 4a5 5 0 1 0 0 10A5 5 0 0 0 9 4zM13 13l4 4',
} as const

export type IconName = keyof typeof PATHS

export function Icon({ name, size = 16 }: { name: IconName; size?: number }) {
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 20 20" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  )
}
