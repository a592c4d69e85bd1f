/**
 * Bundles the command line (src/cli/main.ts) into dist/cli/: one ESM entry holding what
 * every invocation needs (argument parsing, help) plus one chunk per command, loaded only
 * when that command runs. Node then resolves no package and reads few files at startup.
 * Dependencies are bundled too, so the installed CLI needs nothing from node_modules.
 */
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = resolve(ROOT, 'dist', 'cli');

/**
 * commander requires node:child_process at load, for executable subcommands vgpuctl does not
 * use; loading it (and node:net under it) is a large part of startup. The bundle gives
 * commander a stand-in that loads the module on first use instead.
 */
const lazyChildProcess: Plugin = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes(`${'node_modules'}/commander/`)
        ? { path: 'lazy-child-process', namespace: 'vgpuctl' }
        : undefined,
    );
    b.onLoad({ filter: /^lazy-child-process$/, namespace: 'vgpuctl' }, () => ({
      contents:
        "let real; module.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });",
      loader: 'js',
    }));
  },
};

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
  // commander is CommonJS; its require() of Node built-ins needs a real require in ESM. The
  // banner goes into every chunk, and createRequire costs about a millisecond each (it builds
  // the node_modules search paths), so each chunk creates its require on first use.
  banner: {
    js: "import { createRequire as __vgpuctlCreateRequire } from 'node:module';\nlet __vgpuctlRequire;\nconst require = function (id) { return (__vgpuctlRequire ??= __vgpuctlCreateRequire(import.meta.url))(id); };",
  },
  plugins: [lazyChildProcess],
  legalComments: 'none',
  logLevel: 'warning',
});
