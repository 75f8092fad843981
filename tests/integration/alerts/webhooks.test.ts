/**
 * Alerts where operators look (issue 22, row 4): webhook targets in Settings (generic JSON, Slack, Discord, Telegram)
 * receive each alert once in their own shape, a burst of one alert once per repeat window, a delivery answered 500
 * again after a back-off, never a secret; a bad target is refused naming the field, the Test button sends a test.
 * One panel on the sandbox (a real batch raises "batch finished"); the targets are a receiver on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import type { AlertKind, AlertTargetView } from '../../../src/shared/contract/alerts'
import type { EventItem } from '../../../src/shared/ipc-contract'
import { storedBytes } from '../../helpers/test-database'
import { startWebhookServer, type WebhookServer } from '../../helpers/webhook-server'
import { panelWorld, type PanelWorld } from '../authorization/panel-world'

const servers: WebhookServer[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
})

const BOT_TOKEN = `987654321:${randomBytes(24).toString('base64url')}`

async function world(): Promise<{ panel: PanelWorld; hooks: WebhookServer }> {
  const hooks = await startWebhookServer()
  servers.push(hooks)
  const panel = await panelWorld({
    profiles: 4,
    sharedBrowser: true,
    env: { ALERT_TELEGRAM_API_URL: `${hooks.url}/tg`, PROFILE_SYNC_INTERVAL: '0' },
    core: { alerts: { retry: { retries: 3, minTimeoutMs: 50, maxTimeoutMs: 100 } } },
  })
  return { panel, hooks }
}

async function addTargets(panel: PanelWorld, hooks: WebhookServer): Promise<AlertTargetView[]> {
  // A secret in the Slack and Discord URLs' paths, as those services issue them.
  return [
    await panel.call('alerts:saveTarget', { name: 'Ops JSON', type: 'generic', url: `${hooks.url}/generic` }),
    await panel.call('alerts:saveTarget', { name: 'Slack', type: 'slack', url: `${hooks.url}/slack/T000/B000/${randomBytes(12).toString('hex')}` }),
    await panel.call('alerts:saveTarget', { name: 'Discord', type: 'discord', url: `${hooks.url}/discord/123/${randomBytes(16).toString('hex')}` }),
    await panel.call('alerts:saveTarget', { name: 'Telegram', type: 'telegram', botToken: BOT_TOKEN, chatId: '-1001234567890' }),
  ]
}

function notice(kind: AlertKind, key: string, body = `what happened (${key})`): EventItem<'notice'> {
  return { id: `${key}-${Date.now()}`, level: 'warn', title: `Test ${kind}`, body, alert: { kind, key } }
}

/** Every secret the sandbox issued or holds: tokens, client secrets, the GoLogin token, proxy passwords. */
function sandboxSecrets(panel: PanelWorld): string[] {
  const { sandbox } = panel
  const secrets = [
    ...Object.entries(sandbox.env).filter(([name]) => /TOKEN|SECRET/.test(name)).map(([, value]) => value),
    ...sandbox.apiApps.map((app) => app.clientSecret).filter((value): value is string => typeof value === 'string'),
    ...sandbox.issuedTokens().flatMap((token) => [token.accessToken, token.refreshToken ?? '']),
    ...sandbox.gologin.profiles().map((profile) => profile.proxy?.password ?? ''),
    BOT_TOKEN,
  ]
  return [...new Set(secrets.filter((value) => value.length >= 6))]
}

describe('webhook alerts', () => {
  it('each target receives each event once, in its own shape, with no secret in any payload', { timeout: 120_000 }, async () => {
    const { panel, hooks } = await world()
    const targets = await addTargets(panel, hooks)
    const [, slack, discord] = targets
    // The list never shows a URL's path nor the bot token.
    const listed = JSON.stringify(await panel.call('alerts:listTargets'))
    expect(listed).not.toContain('/slack/')
    expect(listed).not.toContain(BOT_TOKEN)
    expect(slack.urlShown).toBe(`${hooks.url}/…`)
    expect(targets[3]).toMatchObject({ hasBotToken: true, chatId: '-1001234567890', urlShown: null })

    // A real batch: its summary is the first alert.
    const accounts = panel.sandbox.accounts().slice(0, 2)
    const started = await panel.call('batch:start', { profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    await panel.untilDone(started.batchId)
    const [batchHook] = await hooks.until('/generic', 1)
    expect(batchHook.body).toMatchObject({ source: 'gologin-panel', kind: 'batch_finished', key: `batch:${started.batchId}`, title: expect.stringContaining('batch finished') })
    expect(String(batchHook.body.message)).toContain('2 authorized')

    // The other kinds; one body carries the GoLogin token by mistake: the redactor takes it out on the way.
    const gologinToken = panel.sandbox.env.GOLOGIN_TOKEN
    const kinds: AlertKind[] = ['failure_rate', 'gologin_stopped', 'profiles_not_stopped', 'host_offline', 'tokens_failing_refresh']
    for (const kind of kinds) panel.core.events.emit('notice', notice(kind, `${kind}:1`, kind === 'gologin_stopped' ? `token ${gologinToken} refused` : undefined))
    const generic = await hooks.until('/generic', 6)
    expect(generic.map((hook) => hook.body.kind)).toEqual(['batch_finished', ...kinds])

    const slackPath = new URL(await storedUrl(panel, slack.id)).pathname
    const discordPath = new URL(await storedUrl(panel, discord.id)).pathname
    const slackHooks = await hooks.until(slackPath, 6)
    const discordHooks = await hooks.until(discordPath, 6)
    const telegramHooks = await hooks.until(`/tg/bot${BOT_TOKEN}/sendMessage`, 6)
    for (const hook of slackHooks) {
      expect(hook.body).toMatchObject({ text: expect.any(String), blocks: expect.arrayContaining([expect.objectContaining({ type: 'section' })]) })
    }
    for (const hook of discordHooks) {
      expect(hook.body).toMatchObject({ content: expect.stringContaining('**'), embeds: [expect.objectContaining({ title: expect.any(String), description: expect.any(String) })] })
    }
    for (const hook of telegramHooks) expect(hook.body).toMatchObject({ chat_id: '-1001234567890', text: expect.any(String) })
    expect(String(telegramHooks[0].body.text)).toContain('2 authorized')

    // Each exactly once: nothing more arrives with a later alert (delivered in order).
    panel.core.events.emit('notice', notice('failure_rate', 'sentinel'))
    await hooks.until('/generic', 7)
    expect(hooks.received.filter((hook) => hook.path === '/generic').map((hook) => hook.body.key)).toEqual([`batch:${started.batchId}`, ...kinds.map((k) => `${k}:1`), 'sentinel'])
    expect((await hooks.until(slackPath, 7)).length).toBe(7)

    const payloads = hooks.received.map((hook) => hook.raw).join('\n')
    expect(payloads).toContain('[REDACTED]')
    const secrets = sandboxSecrets(panel)
    expect(secrets.length).toBeGreaterThan(4)
    for (const secret of secrets) expect(payloads.includes(secret), 'a secret reached a webhook payload').toBe(false)
    // Nor the targets' own secrets in the database or the log.
    const stored = (await storedBytes(panel.core.db)).toString('latin1')
    const log = fs.readFileSync(panel.core.logs.filePath!, 'utf8')
    for (const secret of [BOT_TOKEN, slackPath, discordPath]) {
      expect(stored.includes(secret)).toBe(false)
      expect(log.includes(secret)).toBe(false)
    }
  })

  it('a burst of one alert is delivered once in the window; a 500 is retried and delivered once', { timeout: 60_000 }, async () => {
    const { panel, hooks } = await world()
    await panel.call('alerts:saveTarget', { name: 'Ops JSON', type: 'generic', url: `${hooks.url}/generic`, events: ['failure_rate'] })
    await panel.call('alerts:saveTarget', { name: 'Flaky', type: 'generic', url: `${hooks.url}/flaky`, events: ['host_offline'] })
    hooks.answer('/flaky', 500)
    for (let i = 0; i < 5; i++) panel.core.events.emit('notice', notice('failure_rate', 'FAILURE_RATE'))
    // Kinds a target does not take are not sent to it.
    panel.core.events.emit('notice', notice('batch_finished', 'batch:x'))
    panel.core.events.emit('notice', notice('host_offline', 'host-offline:b'))
    panel.core.events.emit('notice', notice('failure_rate', 'sentinel'))
    await hooks.until('/generic', 2)
    expect(hooks.received.filter((hook) => hook.path === '/generic').map((hook) => hook.body.key)).toEqual(['FAILURE_RATE', 'sentinel'])
    // Answered 500 first, delivered on the retry, once.
    await hooks.until('/flaky', 1)
    expect(hooks.received.filter((hook) => hook.path === '/flaky').map((hook) => [hook.body.key, hook.status])).toEqual([
      ['host-offline:b', 500],
      ['host-offline:b', 200],
    ])
  })

  it('refuses a bad target naming the field, keeping what is stored; the Test button sends a test message', { timeout: 60_000 }, async () => {
    const { panel, hooks } = await world()
    const saved = await panel.call('alerts:saveTarget', { name: 'Ops JSON', type: 'generic', url: `${hooks.url}/generic` })
    const before = panel.core.settings.get('alertTargets')

    const badUrl = await panel.failure('alerts:saveTarget', { id: saved.id, name: 'Ops JSON', type: 'generic', url: 'http://hooks.example.com/x' })
    expect(badUrl.errorCode).toBe('VALIDATION_ERROR')
    expect(badUrl.error).toMatch(/url must be an https:\/\/ URL/)
    const noChat = await panel.failure('alerts:saveTarget', { name: 'TG', type: 'telegram', botToken: BOT_TOKEN })
    expect(noChat.error).toContain('chatId is required')
    const badToken = await panel.failure('alerts:saveTarget', { name: 'TG', type: 'telegram', botToken: 'nope', chatId: '42' })
    expect(badToken.error).toContain('botToken must look like')
    expect(badToken.error).not.toContain('nope')
    // Not around the checks through the generic settings request either.
    const raw = await panel.failure('settings:update', { alertTargets: '[{"url":"http://hooks.example.com"}]' })
    expect(raw.error).toContain('alertTargets is edited in Settings → Alert webhooks')
    expect(panel.core.settings.get('alertTargets')).toBe(before)
    expect(await panel.call('alerts:listTargets')).toEqual([saved])

    // Renaming without the URL keeps the stored URL.
    await panel.call('alerts:saveTarget', { id: saved.id, name: 'Ops', type: 'generic' })
    const result = await panel.call('alerts:testTarget', { id: saved.id })
    expect(result).toEqual({ delivered: true, status: 200 })
    const [test] = await hooks.until('/generic', 1)
    expect(test.body).toMatchObject({ kind: 'test', title: 'Test alert from the GoLogin panel', message: expect.stringContaining('“Ops”') })

    // A target that refuses: the operator reads its answer.
    hooks.answer('/generic', 404)
    const refused = await panel.failure('alerts:testTarget', { id: saved.id })
    expect(refused.error).toContain('answered HTTP 404')
    await panel.call('alerts:deleteTarget', { id: saved.id })
    expect(await panel.call('alerts:listTargets')).toEqual([])
  })
})

/** The full URL a target is stored with (main side only). */
async function storedUrl(panel: PanelWorld, id: string): Promise<string> {
  return panel.core.alerts.targets.get(id).url!
}
