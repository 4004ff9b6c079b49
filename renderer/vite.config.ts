// Builds the dashboard into dist/renderer, which every agent serves at its root. Relative asset
// paths, so the same build loads from an agent's origin and from the desktop app's app:// scheme.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { antdCssForUsedComponents } from './vite-antd-css.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react(), antdCssForUsedComponents()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
  },
  server: { port: 5173, strictPort: true },
});
