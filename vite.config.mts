import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer is served from file:// in Electron and from the HTTP bridge in browser mode: relative base.
export default defineConfig({
  root: 'src/renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../../dist/renderer',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    sourcemap: true,
  },
});
