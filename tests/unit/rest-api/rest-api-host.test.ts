import { describe, expect, it } from 'vitest'
import { RestApiHost } from '../../../src/main/host/rest-api/rest-api-host'
import { isLoopback, type RestApi, type RestApiOptions } from '../../../src/main/host/rest-api/server'
import { LogSystem } from '../../../src/main/logging/logger'

function fakeStart() {
  const events: string[] = []
  const start = async (options: RestApiOptions): Promise<RestApi> => {
    if (options.port === 1) throw new Error('port 1 is already in use')
    const url = `http://${options.host}:${options.port}`
    events.push(`start ${url}`)
    return { url, host: options.host!, port: options.port!, close: async () => void events.push(`close ${url}`) }
  }
  return { events, start }
}

describe('RestApiHost', () => {
  it('follows the settings: off, on, restart on change, no-op when unchanged, off', async () => {
    const { events, start } = fakeStart()
    const host = new RestApiHost({ backend: {} as never, apiKeys: { verify: async () => null }, log: new LogSystem({ dir: null }).logger('t'), start })
    expect(await host.apply({ enabled: false, host: '127.0.0.1', port: 8000 })).toEqual({ url: null })
    expect(await host.apply({ enabled: true, host: '127.0.0.1', port: 8000 })).toEqual({ url: 'http://127.0.0.1:8000' })
    await host.apply({ enabled: true, host: '127.0.0.1', port: 8000 })
    await host.apply({ enabled: true, host: '127.0.0.1', port: 8001 })
    expect(host.url).toBe('http://127.0.0.1:8001')
    await host.apply({ enabled: false, host: '127.0.0.1', port: 8001 })
    expect(host.url).toBeNull()
    expect(events).toEqual(['start http://127.0.0.1:8000', 'close http://127.0.0.1:8000', 'start http://127.0.0.1:8001', 'close http://127.0.0.1:8001'])
  })

  it('reports a failed start and stays stopped; close stops a running server', async () => {
    const { events, start } = fakeStart()
    const host = new RestApiHost({ backend: {} as never, apiKeys: { verify: async () => null }, log: new LogSystem({ dir: null }).logger('t'), start })
    await host.apply({ enabled: true, host: '127.0.0.1', port: 8000 })
    await expect(host.apply({ enabled: true, host: '127.0.0.1', port: 1 })).rejects.toThrow(/in use/)
    expect(host.url).toBeNull()
    await host.apply({ enabled: true, host: '127.0.0.1', port: 8002 })
    await host.close()
    expect(events.at(-1)).toBe('close http://127.0.0.1:8002')
  })
})

describe('isLoopback', () => {
  it('tells loopback addresses from the rest', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(host), host).toBe(true)
    for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '127.0.0.1.example.com']) expect(isLoopback(host), host).toBe(false)
  })
})
