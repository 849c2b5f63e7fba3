/**
 * The dashboard's build: web/ → dist/web, which the server serves at `/` (`npm run build`
 * runs it after the server's own build). `npx vite --config web/vite.config.ts` serves it
 * with live reload against a server already running on :7070.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const API = process.env.AUTONOMIC_URL ?? "http://127.0.0.1:7070";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  // Preact's automatic JSX runtime: `<div>` compiles to preact/jsx-runtime calls.
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // One small page: a size warning would only be noise.
    chunkSizeWarningLimit: 1000,
  },
  server: { proxy: { "/api": { target: API, changeOrigin: false } } },
  clearScreen: false,
});
