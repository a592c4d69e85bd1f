/**
 * Bundles the command line (src/cli/main.ts) into dist/cli/: one ESM entry holding what
 * every invocation needs (argument parsing, help) plus one chunk per command, loaded only
 * when that command runs. Node then resolves no package and reads few files at startup.
 * Dependencies are bundled too, so the installed CLI needs nothing from node_modules.
 */
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = resolve(ROOT, 'dist', 'cli');

await rm(OUT, { recursive: true, force: true });
await build({
  entryPoints: [resolve(ROOT, 'src', 'cli', 'main.ts')],
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Chunks sit beside main.js: code that locates bin/vgpuctl from import.meta.url keeps its depth.
  chunkNames: '[name]-[hash]',
  // commander is CommonJS; its require() of Node built-ins needs a real require in ESM.
  banner: {
    js: "import { createRequire as __vgpuctlRequire } from 'node:module';\nconst require = __vgpuctlRequire(import.meta.url);",
  },
  legalComments: 'none',
  logLevel: 'warning',
});
