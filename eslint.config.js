// @ts-check
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const NODE_BUILTINS = ['fs', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'stream', 'url', 'util', 'worker_threads']

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', '.tmp/**', 'native/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'smart'],
    },
  },
  // Boundary: only src/main/electron and src/preload may import electron (DESIGN.md §2).
  {
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['src/main/electron/**', 'src/preload/**', 'tests/unit/electron/**', 'tests/unit/preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: "Only src/main/electron/ and src/preload/ may import 'electron'." }] },
      ],
    },
  },
  // Inside the Electron folder, ipcMain is reserved to the transport wrapper; openExternal to safeOpenExternal.
  {
    files: ['src/main/electron/**/*.ts'],
    ignores: ['src/main/electron/ipc-transport.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              importNames: ['ipcMain', 'ipcRenderer'],
              message: 'Use the IPC transport wrapper (src/main/electron/ipc-transport.ts); never ipcMain directly.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/main/electron/safe-open-external.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'shell', property: 'openExternal', message: 'Open links through safeOpenExternal() only.' },
      ],
    },
  },
  // src/shared runs everywhere (main, preload, renderer): nothing Node- or Electron-specific.
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'src/shared must not import electron.' }],
          patterns: [{ group: ['node:*', ...NODE_BUILTINS], message: 'src/shared must not import Node modules.' }, { group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'src/shared imports nothing from the processes.' }],
        },
      ],
    },
  },
  // The renderer is a web page: no Node, no main-process code.
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer talks to main through window.api only.' }],
          patterns: [{ group: ['node:*', ...NODE_BUILTINS], message: 'The renderer cannot use Node modules.' }, { group: ['**/main/**'], message: 'The renderer must not import main-process code.' }],
        },
      ],
    },
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['zod', '**/ipc-contract', '**/main/**'], message: 'Keep the sandboxed preload small: channel names and types only.' }] }],
    },
  },
  {
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', 'no-console': 'off' },
  },
)
