import { describe, expect, it } from 'vitest'
import { DEMO_FAILURES, HEALTHY_BEHAVIOURS, initialBehaviour, NON_DEMO_FAILURES, SANDBOX_BEHAVIOURS } from '../../../src/main/sandbox/sandbox-behaviours'

describe('sandbox behaviour plans', () => {
  it('a demo of 60 shows every failure kind and keeps most accounts fine', () => {
    const plan = Array.from({ length: 60 }, (_, i) => initialBehaviour('demo', `user${i}`, i))
    expect(new Set(plan)).toEqual(new Set(['ok', ...DEMO_FAILURES]))
    expect(plan.filter((b) => b === 'ok')).toHaveLength(48)
  })

  it('sorts every behaviour into healthy (must complete), a failure the demo shows, or one it never shows', () => {
    expect([...HEALTHY_BEHAVIOURS, ...DEMO_FAILURES, ...NON_DEMO_FAILURES].sort()).toEqual([...SANDBOX_BEHAVIOURS].sort())
    expect(DEMO_FAILURES).toContain('proxy_failure')
    expect(DEMO_FAILURES).not.toContain('stop_failure')
  })

  it('a per-username plan sets only the accounts it names; none sets nothing', () => {
    expect(initialBehaviour({ user3: 'locked' }, 'user3', 3)).toBe('locked')
    expect(initialBehaviour({ user3: 'locked' }, 'user4', 4)).toBe('ok')
    expect(initialBehaviour('none', 'user4', 4)).toBe('ok')
  })
})
