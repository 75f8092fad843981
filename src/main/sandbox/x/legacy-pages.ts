/**
 * HTML of the OAuth 1.0a legacy consent page (api.x.com/oauth/authorize), shaped like X's where the panel
 * looks: a form posting back to /oauth/authorize with the approve control `#allow` and `#cancel`, a sign-in
 * form with the approve control when nobody is logged in, the "no longer valid" page for a used token, and
 * the "redirecting you back" page that sends the browser to the callback.
 */
import { escapeHtml } from './pages'

function legacyLayout(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>${head}
<style>body{font-family:sans-serif;margin:0;padding:40px;background:#fff;color:#14171a}#bd{max-width:640px;margin:auto}
.button{padding:8px 18px;border-radius:4px;margin:6px;border:1px solid #1da1f2;cursor:pointer}.selected{background:#1da1f2;color:#fff}</style></head>
<body><div id="bd">${body}</div></body></html>`
}

export interface LegacyConsentModel {
  requestToken: string
  authenticityToken: string
  appName: string
  /** Null: nobody is signed in (the page asks for username and password, like X's). */
  username: string | null
  withoutButton: boolean
}

export function legacyConsentPage(model: LegacyConsentModel): string {
  const token = escapeHtml(model.requestToken)
  const signIn =
    model.username === null
      ? `<fieldset class="sign-in"><legend>Sign in to X</legend>
<label for="username_or_email">Username or email</label><input id="username_or_email" name="session[username_or_email]" type="text" autocomplete="username">
<label for="password">Password</label><input id="password" name="session[password]" type="password" autocomplete="current-password"></fieldset>`
      : `<p class="signed-in">Signed in as <b>@${escapeHtml(model.username)}</b></p>`
  const allow = model.withoutButton ? '' : `<input type="submit" class="submit button selected" id="allow" value="${model.username === null ? 'Sign In' : 'Authorize app'}">`
  return legacyLayout(
    'X / Authorize an application',
    `<h2>Authorize ${escapeHtml(model.appName)} to access your account?</h2>
<form id="oauth_form" action="/oauth/authorize" method="post">
<input type="hidden" name="authenticity_token" value="${escapeHtml(model.authenticityToken)}">
<input type="hidden" name="oauth_token" value="${token}">
${signIn}
<fieldset class="buttons">${allow}<input type="submit" class="submit button" id="cancel" name="cancel" value="Cancel"></fieldset>
</form>
<div class="permissions"><p>This application will be able to:</p><ul><li>Read Tweets from your timeline.</li><li>See who you follow.</li></ul></div>`,
  )
}

/** X's page for a request token that is unknown, used or expired. */
export function legacyInvalidTokenPage(): string {
  return legacyLayout(
    'X / Error',
    `<h2>Whoa there!</h2><p>This page is no longer valid. It looks like someone already used the token information you provided. Please return to the site that sent you to this page and try again … it was probably an honest mistake.</p>`,
  )
}

/** After the approval (or the cancel) X shows this and sends the browser on to the callback. */
export function legacyRedirectPage(location: string, appName: string, denied: boolean): string {
  const href = escapeHtml(location)
  const words = denied ? `You have not signed in to ${escapeHtml(appName)}.` : `You've granted access to ${escapeHtml(appName)}!`
  return legacyLayout(
    'X / Redirecting you back to the application',
    `<h2>${words}</h2><p>Redirecting you back to the application. This may take a few moments.</p><p><a class="maintain-context" href="${href}">Click here</a> if you are not redirected.</p>`,
    `<meta http-equiv="refresh" content="0;url=${href}">`,
  )
}
