import { defineConfig } from "vite";

// A static site: no third-party resources at run time, the wasm module bundled beside the page.
export default defineConfig({
  base: "./",
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
  worker: { format: "es" },
});
