// `vite build` -> dist/ (served by driver.js). No plugins: Vite's own JSX
// transform (automatic runtime) is enough for this page.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, minify: false, sourcemap: false },
});
