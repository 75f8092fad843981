/**
 * HTML of the X sandbox's pages, shaped like the real ones where the panel looks: the consent page's
 * test ids, its approve control (a `div[role=button]` disabled by `aria-disabled` until the page's
 * metadata call returns), the log-in button, the error detail, the login, locked and suspended pages.
 */

import { PAGE_WORDS } from './locales'
import type { SandboxLocale } from './state'

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string)
}

function layout(title: string, body: string, nonce: string, script = '', locale: SandboxLocale = 'en'): string {
  return `<!doctype html>
<html lang="${locale}" dir="${PAGE_WORDS[locale].dir}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style nonce="${nonce}">body{font-family:sans-serif;background:#000;color:#e7e9ea;margin:0;padding:40px}
main{max-width:600px;margin:auto}[role=button]{display:inline-block;padding:10px 24px;border-radius:20px;margin:8px;cursor:pointer;user-select:none}
[data-testid=OAuth_Consent_Button]{background:#eff3f4;color:#0f1419}[aria-disabled=true]{opacity:.5;cursor:default}
.secondary{border:1px solid #536471}</style></head>
<body><main>${body}</main>${script ? `<script nonce="${nonce}">${script}</script>` : ''}</body></html>`
}

export interface ConsentPageModel {
  authId: string
  username: string
  scopes: string[]
  /** The approve control is left out (the "no button" behaviour). */
  withoutButton: boolean
  approveVia: 'form' | 'xhr'
  nonce: string
  locale?: SandboxLocale
}

export function consentPage(model: ConsentPageModel): string {
  const locale = model.locale ?? 'en'
  const words = PAGE_WORDS[locale]
  const id = escapeHtml(model.authId)
  const scopes = model.scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join('')
  const approve = model.withoutButton
    ? ''
    : `<div role="button" tabindex="0" data-testid="OAuth_Consent_Button" aria-disabled="true">${escapeHtml(words.approve)}</div>`
  const body = `
<h1>${escapeHtml(words.wantsAccess).replace('{app}', '<span id="app-name">…</span>')}</h1>
<p>${escapeHtml(words.signedInAs)} <b data-testid="OAuth_Consent_Account">@${escapeHtml(model.username)}</b></p>
<p>${escapeHtml(words.canDo)}</p><ul>${scopes}</ul>
<form id="approve-form" method="post" action="/i/oauth2/authorize/approve"><input type="hidden" name="auth_id" value="${id}"></form>
<form id="deny-form" method="post" action="/i/oauth2/authorize/deny"><input type="hidden" name="auth_id" value="${id}"></form>
${approve}
<div role="button" tabindex="0" class="secondary" data-testid="OAuth_Consent_Cancel_Button">${escapeHtml(words.cancel)}</div>
<div id="problem"></div>`
  // The XHR variant shows X's error under the buttons when the approval is refused, as x.com does.
  const script = `
(function () {
  var authId = ${JSON.stringify(model.authId)};
  var approveVia = ${JSON.stringify(model.approveVia)};
  var genericError = ${JSON.stringify(words.genericError)};
  var approve = document.querySelector('[data-testid="OAuth_Consent_Button"]');
  function showError(message) {
    var detail = document.createElement('div');
    detail.setAttribute('data-testid', 'OAuth_Consent_Error_Detail');
    detail.textContent = message || genericError;
    document.getElementById('problem').replaceChildren(detail);
  }
  fetch('/i/api/2/oauth2/authorize/meta?auth_id=' + encodeURIComponent(authId), { credentials: 'include' })
    .then(function (r) { return r.json(); })
    .then(function (meta) {
      document.getElementById('app-name').textContent = meta.app_name;
      if (approve) approve.removeAttribute('aria-disabled');
    });
  if (approve) approve.addEventListener('click', function () {
    if (approve.getAttribute('aria-disabled') === 'true') return;
    if (approveVia === 'form') { document.getElementById('approve-form').submit(); return; }
    fetch('/i/api/2/oauth2/authorize', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth_id: authId }) })
      .then(function (r) { return r.json().then(function (answer) { return { ok: r.ok, answer: answer }; }); })
      .then(function (result) {
        if (result.ok && result.answer.redirect_uri) { location.assign(result.answer.redirect_uri); return; }
        showError(result.answer && result.answer.errors && result.answer.errors[0] && result.answer.errors[0].message);
      }, function () { showError(null); });
  });
  document.querySelector('[data-testid="OAuth_Consent_Cancel_Button"]').addEventListener('click', function () {
    document.getElementById('deny-form').submit();
  });
})();`
  return layout('Authorize app / X', body, model.nonce, script, locale)
}

/** The consent page as a logged-out visitor sees it: a log-in button instead of the approve button. */
export function loggedOutConsentPage(nonce: string, locale: SandboxLocale = 'en'): string {
  const words = PAGE_WORDS[locale]
  return layout(
    'Authorize app / X',
    `<h1>${escapeHtml(words.wantsAccess.replace('{app}', 'App'))}</h1><p>${escapeHtml(words.logInToContinue)}</p>
<a role="button" data-testid="OAuth_Consent_Log_In_Button" href="/i/flow/login">${escapeHtml(words.logIn)}</a>`,
    nonce,
    '',
    locale,
  )
}

export function loginPage(nonce: string): string {
  return layout('Log in to X / X', '<h1>Sign in to X</h1><label>Phone, email, or username <input name="text" autocomplete="username"></label>', nonce)
}

export function lockedPage(nonce: string, locale: SandboxLocale = 'en'): string {
  const words = PAGE_WORDS[locale]
  return layout('Account locked / X', `<h1>${escapeHtml(words.lockedTitle)}</h1><p>${escapeHtml(words.locked)}</p>`, nonce, '', locale)
}

export function suspendedPage(nonce: string, locale: SandboxLocale = 'en'): string {
  const words = PAGE_WORDS[locale]
  return layout('Account suspended / X', `<h1>${escapeHtml(words.suspendedTitle)}</h1><p>${escapeHtml(words.suspended)}</p>`, nonce, '', locale)
}

export function errorPage(detail: string, nonce: string, locale: SandboxLocale = 'en'): string {
  return layout(
    'Authorize app / X',
    `<h1>${locale === 'en' ? 'Something went wrong' : '⚠'}</h1><div data-testid="OAuth_Consent_Error_Detail">${escapeHtml(detail)}</div>`,
    nonce,
    '',
    locale,
  )
}
