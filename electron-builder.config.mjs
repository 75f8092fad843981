// @ts-check
/**
 * Packaging (npm run dist). Builds from the electron-vite output in out/; production dependencies from
 * node_modules are added by electron-builder itself (devDependencies never are: the renderer's packages are
 * dev dependencies because Vite bundles them into out/renderer). productName comes from package.json, so
 * `npm start` and the installed app share one data folder.
 *
 * Signing, notarization and the update feed come from the standard environment variables (README,
 * "Installers, signing and updates"); with none of them the build is unsigned but still launches:
 * - macOS without a certificate is signed ad hoc (identity "-") after the fuses are flipped, so Apple Silicon
 *   runs it (an unsigned or stale-signed arm64 binary is killed at launch: "Code Signature Invalid");
 * - CSC_LINK (+ CSC_KEY_PASSWORD), or CSC_NAME for a keychain identity: Developer ID signing (macOS) and
 *   Authenticode (Windows; WIN_CSC_LINK / WIN_CSC_KEY_PASSWORD take precedence there);
 * - APPLE_ID + APPLE_APP_SPECIFIC_PASSWORD + APPLE_TEAM_ID, or APPLE_API_KEY + APPLE_API_KEY_ID +
 *   APPLE_API_ISSUER: notarization (needs a Developer ID certificate);
 * - AZURE_TRUSTED_SIGNING_ENDPOINT + AZURE_TRUSTED_SIGNING_ACCOUNT + AZURE_TRUSTED_SIGNING_PROFILE
 *   (+ WIN_PUBLISHER_NAME; Azure's own AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET): Windows
 *   signing with Azure Trusted Signing instead of a certificate file;
 * - UPDATE_FEED_URL (an https folder holding latest*.yml and the installers) or UPDATE_GITHUB_REPO
 *   ("owner/name", releases): where installed apps look for updates. Neither: no feed, the app never checks.
 */

/** @typedef {import('electron-builder').Configuration} Configuration */

/**
 * The configuration for the given environment (a function so tests can check its decisions).
 * @param {Record<string, string | undefined>} env
 * @returns {Configuration}
 */
export function builderConfig(env = process.env) {
  const set = (/** @type {string} */ name) => Boolean(env[name]?.trim())
  const macCertificate = set('CSC_LINK') || set('CSC_NAME')
  const notarizeWithPassword = ['APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'].every(set)
  const notarizeWithKey = ['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER'].every(set)
  const notarize = notarizeWithPassword || notarizeWithKey
  if (notarize && !macCertificate) {
    throw new Error('Notarization credentials are set (APPLE_ID… or APPLE_API_KEY…) but no Developer ID certificate (CSC_LINK or CSC_NAME): Apple notarizes only signed apps.')
  }
  const partialApple = ['APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'].filter(set)
  if (partialApple.length && !notarizeWithPassword && !notarizeWithKey) {
    throw new Error(`Notarization needs APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD and APPLE_TEAM_ID together (set: ${partialApple.join(', ')}).`)
  }
  const azure = ['AZURE_TRUSTED_SIGNING_ENDPOINT', 'AZURE_TRUSTED_SIGNING_ACCOUNT', 'AZURE_TRUSTED_SIGNING_PROFILE'].every(set)

  return {
    appId: 'com.gologin.automationpanel',
    copyright: 'Copyright © GoLogin Automation Panel team',
    directories: { buildResources: 'resources', output: 'release/${version}' },
    files: [
      'out/main/**',
      'out/preload/**',
      'out/renderer/**',
      'package.json',
      'native/electron/better_sqlite3.node',
      '!**/*.map',
      // The soak (npm run soak) is a development tool: it needs the sandbox's devDependencies, not the app.
      '!out/main/soak.js',
      // node_modules' better-sqlite3 is built for plain Node (tests, browser mode): ship its JavaScript only.
      '!**/node_modules/better-sqlite3/{build,deps,src}/**',
    ],
    asar: true,
    // The Electron build of better-sqlite3 (npm run native:electron) is loaded from outside the archive.
    asarUnpack: ['native/electron/better_sqlite3.node'],
    // Never rebuild node_modules in place: that would leave tests and browser mode with an Electron-only addon. The
    // hook builds (or reuses) native/electron for the platform and arch being packed, and checks its binary header.
    npmRebuild: false,
    beforePack: './scripts/before-pack.mjs',

    // Hardening: the packaged binary cannot be turned into a plain Node runtime or a debug target.
    electronFuses: {
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      // macOS and Windows check app.asar against the hash recorded at packaging time (a no-op on Linux).
      enableEmbeddedAsarIntegrityValidation: true,
      // Stays on: the window loads its page from file:// as ES modules, which Chromium refuses to a plain file://
      // origin. Turning it off first needs the renderer served from a custom app:// protocol.
      grantFileProtocolExtraPrivileges: true,
      // Flipping fuses rewrites the Electron binary: on macOS its ad-hoc signature is renewed right after, so an
      // arm64 build that is not signed later still launches.
      resetAdHocDarwinSignature: true,
    },

    artifactName: '${name}-${version}-${os}-${arch}.${ext}',
    // electron-builder writes app-update.yml from this; none → installed apps have no feed and never check.
    publish: publishTargets(env),

    win: {
      target: [{ target: 'nsis', arch: ['x64', 'arm64'] }],
      icon: 'icon.ico',
      ...(azure
        ? {
            azureSignOptions: {
              endpoint: String(env.AZURE_TRUSTED_SIGNING_ENDPOINT),
              codeSigningAccountName: String(env.AZURE_TRUSTED_SIGNING_ACCOUNT),
              certificateProfileName: String(env.AZURE_TRUSTED_SIGNING_PROFILE),
              publisherName: env.WIN_PUBLISHER_NAME ?? 'GoLogin Automation Panel team',
            },
          }
        : {}),
    },
    nsis: {
      oneClick: false,
      perMachine: false,
      allowToChangeInstallationDirectory: true,
      createDesktopShortcut: true,
      shortcutName: 'GoLogin Automation Panel',
      deleteAppDataOnUninstall: false,
    },

    mac: {
      // zip: what electron-updater installs on macOS (it cannot update from a dmg).
      target: [
        { target: 'dmg', arch: ['x64', 'arm64'] },
        { target: 'zip', arch: ['x64', 'arm64'] },
      ],
      icon: 'icon.png',
      category: 'public.app-category.productivity',
      hardenedRuntime: true,
      entitlements: 'resources/entitlements.mac.plist',
      entitlementsInherit: 'resources/entitlements.mac.plist',
      // No certificate: "-" signs ad hoc (the app launches on Apple Silicon; Gatekeeper asks once, README).
      // A certificate: electron-builder finds it (CSC_LINK / CSC_NAME).
      ...(macCertificate ? {} : { identity: '-' }),
      notarize,
    },
    dmg: { title: '${productName} ${version}' },

    linux: {
      // The deb installs chrome-sandbox setuid where needed and an AppArmor profile (Ubuntu 24.04+), which an
      // AppImage cannot; README says what to do with the AppImage there.
      target: [
        { target: 'deb', arch: ['x64', 'arm64'] },
        { target: 'AppImage', arch: ['x64', 'arm64'] },
      ],
      icon: 'icon.png',
      category: 'Utility',
      // Placeholder contact (required by the deb format): replace before publishing a release.
      maintainer: 'GoLogin Automation Panel team <panel@gologin-automation-panel.invalid>',
      synopsis: 'Authorize X accounts held in GoLogin profiles for X developer apps',
    },
    deb: {
      // libsecret lets safeStorage keep the data key in the desktop keyring (GNOME Keyring, KWallet).
      depends: ['libgtk-3-0', 'libnotify4', 'libnss3', 'libxss1', 'libxtst6', 'xdg-utils', 'libatspi2.0-0', 'libuuid1', 'libsecret-1-0'],
      recommends: ['gnome-keyring'],
    },
  }
}

/**
 * The update feed from UPDATE_FEED_URL (generic https server) or UPDATE_GITHUB_REPO (GitHub releases), or null.
 * @param {Record<string, string | undefined>} env
 * @returns {Configuration['publish']}
 */
export function publishTargets(env) {
  const url = env.UPDATE_FEED_URL?.trim()
  const repo = env.UPDATE_GITHUB_REPO?.trim()
  if (url && repo) throw new Error('Set one update feed: UPDATE_FEED_URL or UPDATE_GITHUB_REPO, not both.')
  if (url) {
    let parsed
    try {
      parsed = new URL(url)
    } catch {
      throw new Error(`UPDATE_FEED_URL is not a URL: ${JSON.stringify(url)}`)
    }
    if (parsed.protocol !== 'https:') throw new Error(`UPDATE_FEED_URL must be an https:// address (updates are code the app will run), got ${parsed.protocol}//…`)
    return [{ provider: 'generic', url: parsed.href }]
  }
  if (repo) {
    const match = /^([\w.-]+)\/([\w.-]+)$/.exec(repo)
    if (!match) throw new Error(`UPDATE_GITHUB_REPO must be "owner/name", got ${JSON.stringify(repo)}`)
    return [{ provider: 'github', owner: match[1], repo: match[2], releaseType: 'release' }]
  }
  return null
}

export default builderConfig()
