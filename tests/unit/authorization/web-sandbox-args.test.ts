import { describe, expect, it } from 'vitest'
import { parseWebArgs } from '../../../src/main/host/args'

describe('browser mode --sandbox arguments', () => {
  it('defaults to no sandbox and 60 sandbox profiles', () => {
    expect(parseWebArgs(['--data-dir', '/tmp/x'])).toMatchObject({ sandbox: false, sandboxProfiles: 60 })
    expect(parseWebArgs(['--data-dir', '/tmp/x', '--sandbox', '--sandbox-profiles', '500'])).toMatchObject({ sandbox: true, sandboxProfiles: 500 })
  })

  it('names a bad profile count', () => {
    for (const bad of ['0', '2.5', 'many', '40001']) {
      expect(() => parseWebArgs(['--data-dir', '/tmp/x', '--sandbox', '--sandbox-profiles', bad])).toThrow(/--sandbox-profiles must be a whole number from 1 to 40000/)
    }
  })
})
