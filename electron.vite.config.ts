import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'electron-vite'

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      sourcemap: true,
      rollupOptions: {
        input: {
          // Electron entry: hands over to src/main/electron (the only main-side code importing 'electron').
          index: resolve('src/main/index.ts'),
          // Browser mode: the same composition root in plain Node.
          web: resolve('src/main/host/web.ts'),
          // Headless worker host: the same composition root with no window and no web server.
          worker: resolve('src/main/host/worker.ts'),
          // `npm run soak`: hosts, faults and kills against the sandbox for an hour (plain Node, no electron).
          soak: resolve('src/main/soak/index.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: true,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // A sandboxed preload cannot be an ES module.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    plugins: [react()],
    build: {
      sourcemap: true,
      minify: true,
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
})
