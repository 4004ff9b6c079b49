// Builds the dashboard into dist/renderer, which every agent serves at its root. Relative asset
// paths, so the same build loads from an agent's origin and from the desktop app's app:// scheme.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { antdCssForUsedComponents } from './vite-antd-css.ts';
import { contractRoutes } from './vite-contract-routes.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
const BOOT = 'src/boot/boot.ts';

/**
 * The boot script (`src/boot/boot.ts`) is an entry of its own, loaded by an `async` module script
 * at the top of the page: it runs as soon as it arrives, while the app's bundle still loads.
 */
function bootScript(): Plugin {
  return {
    name: 'algodeck-boot-script',
    transformIndexHtml: {
      order: 'post',
      handler(_html, context) {
        let src = `/${BOOT}`;
        if (context.bundle) {
          const chunk = Object.values(context.bundle).find((output) => output.type === 'chunk' && output.isEntry && output.name === 'boot');
          if (!chunk) throw new Error('the boot script was not built');
          src = `./${chunk.fileName}`;
        }
        return [{ tag: 'script', attrs: { type: 'module', async: true, crossorigin: true, src }, injectTo: 'head-prepend' }];
      },
    },
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [react(), contractRoutes(), antdCssForUsedComponents(), bootScript()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
    rolldownOptions: { input: { index: fileURLToPath(new URL('index.html', import.meta.url)), boot: fileURLToPath(new URL(BOOT, import.meta.url)) } },
  },
  server: { port: 5173, strictPort: true },
});
