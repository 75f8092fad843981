/** `npm run soak`'s command line: what it takes, and a clear sentence for what it refuses. */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseSoakArgs, SoakUsageError } from '../../../src/main/soak/options'

const parse = (args: string) => parseSoakArgs(args.split(' ').filter(Boolean), {})

describe('npm run soak -- …', () => {
  it('reads the issue’s command line, with defaults for the rest', () => {
    expect(parse('--accounts 2000 --hosts 3 --database postgres --fault-rate 0.1 --kill-every 5 --seed 7')).toMatchObject({
      accounts: 2_000,
      hosts: 3,
      database: 'postgres',
      faultRate: 0.1,
      killEveryMin: 5,
      slots: 4,
      seed: 7,
      sampleEveryMs: 5_000,
      sharedBrowser: false,
      postgresUrl: 'postgres://postgres@127.0.0.1:5432/test',
      outDir: path.resolve('out/soak'),
    })
    expect(parse('--accounts 60')).toMatchObject({ hosts: 1, database: 'sqlite', faultRate: 0, killEveryMin: null })
  })

  it.each([
    ['', /--accounts is required/],
    ['--accounts 0', /--accounts 0: expected a whole number/],
    ['--accounts 10 --fault-rate 1.5', /--fault-rate 1\.5: expected a probability from 0 to 1/],
    ['--accounts 10 --database mysql', /--database mysql: expected sqlite or postgres/],
    ['--accounts 10 --hosts 2', /--hosts above 1 needs --database postgres/],
    ['--accounts 10 --hosts 1 --database postgres --kill-every 2', /--kill-every needs --hosts 2 or more/],
    ['--accounts 10 --bogus', /Unknown option '--bogus'/],
  ])('refuses %j with a sentence', (args, message) => {
    expect(() => parse(args)).toThrow(SoakUsageError)
    expect(() => parse(args)).toThrow(message)
  })
})
