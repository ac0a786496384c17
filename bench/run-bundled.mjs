// Runs a benchmark as the Lambdas run: bundled and minified by esbuild (the same settings NodejsFunction uses),
// not through a TypeScript loader whose helpers (e.g. keepNames wrappers on every closure) would skew the figures.
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node bench/run-bundled.mjs <entry.ts> [args…]');
  process.exit(2);
}
// Inside the repository, so the external packages resolve from its node_modules.
const cache = join(dirname(fileURLToPath(import.meta.url)), '..', '.cache');
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, 'bench-'));
const outfile = join(dir, 'bench.mjs');
await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  packages: 'external',
  outfile,
  logLevel: 'warning',
});
process.argv = [process.argv[0], outfile, ...args];
try {
  await import(pathToFileURL(outfile).href);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
