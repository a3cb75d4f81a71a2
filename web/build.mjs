// Builds the Developer Console into the directory given on the command line:
//
//   node web/build.mjs OUT_DIR        (CMake runs it into ${CMAKE_BINARY_DIR}/web)
//
// First the type check (tsc --noEmit over tsconfig.json: a type error fails the build), then
// esbuild bundles src/main.tsx and the CSS it imports, minified, with code splitting so a page
// that needs a large library (CodeMirror) loads it only when opened, and static/ (the HTML
// shell) is copied beside the bundle. OUT_DIR is emptied first: everything in it is embedded
// into the binary, so a stale chunk must not linger there.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUT_DIR');
  process.exit(2);
}
if (!existsSync(join(here, 'node_modules', 'esbuild'))) {
  console.error('web/node_modules is missing: run scripts/setup.sh (npm ci in web/)');
  process.exit(1);
}

try {
  execFileSync(process.execPath, [join(here, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', here],
               { stdio: 'inherit' });
} catch {
  console.error('web: type check failed');
  process.exit(1);
}

const { build } = await import('esbuild');
const outdir = resolve(out);
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  absWorkingDir: here,
  entryPoints: ['src/main.tsx'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  target: 'es2022',
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  assetNames: 'assets/[name]-[hash]',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
cpSync(join(here, 'static'), outdir, { recursive: true });
