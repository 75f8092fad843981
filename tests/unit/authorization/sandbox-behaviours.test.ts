import { describe, expect, it } from 'vitest'
import { initialBehaviour, SANDBOX_BEHAVIOURS } from '../../../src/main/sandbox/sandbox-behaviours'

describe('sandbox behaviour plans', () => {
  it('a demo of 60 shows every failure kind and keeps most accounts fine', () => {
    const plan = Array.from({ length: 60 }, (_, i) => initialBehaviour('demo', `user${i}`, i))
    expect(new Set(plan)).toEqual(new Set(SANDBOX_BEHAVIOURS))
    expect(plan.filter((b) => b === 'ok')).toHaveLength(48)
  })

  it('a per-username plan sets only the accounts it names; none sets nothing', () => {
    expect(initialBehaviour({ user3: 'locked' }, 'user3', 3)).toBe('locked')
    expect(initialBehaviour({ user3: 'locked' }, 'user4', 4)).toBe('ok')
    expect(initialBehaviour('none', 'user4', 4)).toBe('ok')
  })
})
