/**
 * npm run bench:bundles
 * Bundles every Lambda handler the stack deploys as NodejsFunction does (esbuild, ESM, minified, SDK bundled, node24
 * target) and prints each bundle's size, gzipped size and module count: the cold-start cost a handler carries.
 * A benchmark, not a test: it asserts nothing.
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { synthesizeTemplate } from '../infra/synthesize-template';

const template = synthesizeTemplate() as { Resources: Record<string, { Type: string; Metadata?: Record<string, string> }> };
const entries = [...new Set(Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function').map((r) => r.Metadata?.['finegate:entry']).filter((e): e is string => !!e))].sort();

const rows: string[][] = [];
for (const entry of entries) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    write: false,
    outfile: 'index.mjs',
    metafile: true,
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" },
    logLevel: 'silent',
  });
  const code = result.outputFiles.find((f) => f.path.endsWith('.mjs'))!.contents;
  const modules = Object.keys(result.metafile.inputs);
  const heaviest = Object.entries(
    modules.reduce<Record<string, number>>((acc, path) => {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? '(finegate)';
      acc[pkg] = (acc[pkg] ?? 0) + result.metafile.inputs[path]!.bytes;
      return acc;
    }, {}),
  )
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([pkg, bytes]) => `${pkg} ${(bytes / 1024).toFixed(0)} KB`)
    .join(', ');
  rows.push([entry, `${(code.length / 1024).toFixed(0)} KB`, `${(gzipSync(code).length / 1024).toFixed(0)} KB`, String(modules.length), heaviest]);
}
const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['handler', 'minified', 'gzip', 'modules'][i]!.length));
console.log(['handler', 'minified', 'gzip', 'modules'].map((h, i) => h.padEnd(widths[i]!)).join('  ') + '  largest inputs (unminified)');
for (const r of rows) console.log(r.slice(0, 4).map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ') + '  ' + r[4]);
