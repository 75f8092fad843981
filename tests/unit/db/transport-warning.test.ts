/** Issue 20, row 2: a shared database on another machine is trusted only over TLS that checks the server. */
import { describe, expect, it } from 'vitest'
import { transportWarning } from '../../../src/main/db/postgres'

describe('transportWarning', () => {
  it('says nothing for this machine (loopback, a Unix socket) or a verified TLS connection', () => {
    expect(transportWarning('postgres://panel@127.0.0.1:5432/panel')).toBeNull()
    expect(transportWarning('postgres://panel@localhost/panel')).toBeNull()
    expect(transportWarning('postgres://panel@[::1]:5432/panel')).toBeNull()
    expect(transportWarning('postgres://panel@/panel?host=/var/run/postgresql')).toBeNull()
    expect(transportWarning('postgres://panel@db.example.net/panel?sslmode=verify-full&sslrootcert=/etc/panel/ca.crt')).toBeNull()
  })

  it('warns of a connection to another machine without TLS, naming the host and the safe setting', () => {
    expect(transportWarning('postgres://panel:pw@db.example.net:5432/panel')).toBe(
      "The connection to the shared database at db.example.net is not encrypted: anyone on the network path can read and change what this panel stores and reads. Use sslmode=verify-full with sslrootcert=<the server's CA file>.",
    )
  })

  it('warns of TLS that does not check the server (sslmode=require), and never repeats the password', () => {
    const warning = transportWarning('postgres://panel:s3cret-pw@db.example.net/panel?sslmode=require')
    expect(warning).toMatch(/^The connection to the shared database at db\.example\.net is encrypted but does not check the server's name \(sslmode=require\)/)
    expect(warning).not.toContain('s3cret-pw')
  })
})
