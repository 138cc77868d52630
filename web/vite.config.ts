import { defineConfig } from "vite";

// A static site: no third-party resources at run time, the wasm module bundled beside the page,
// the example app (../examples) bundled in as text.
export default defineConfig({
  base: "./",
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 2048 },
  worker: { format: "es" },
  server: { fs: { allow: [".."] } },
});
