/**
 * npm run bench:bundles [-- --check]
 * Bundles every Lambda handler the stack deploys, the canary's included, with the settings FinegateFunction gives
 * NodejsFunction (esbuild, ESM, minified, node24 target, the same externals) and prints each bundle's size, gzipped
 * size and module count (the cold-start cost a handler carries), then the packages that take the most of the minified
 * output. A handler over BUNDLE_BUDGET_BYTES is marked, with its written reason if it has one.
 * A benchmark, not a test: it asserts nothing, except with --check, which exits 1 on a bundle over budget without a reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import {
  BUNDLE_ALIASES,
  BUNDLE_BUDGET_BYTES,
  BUNDLE_EXTERNAL_MODULES,
  BUNDLE_MAIN_FIELDS,
  BUNDLE_SIZE_REASONS,
  ESM_REQUIRE_BANNER,
  PROJECT_ROOT,
} from '../infra/finegate-function';
import { synthesizeTemplate } from '../infra/synthesize-template';

type Template = { Resources: Record<string, { Type: string; Metadata?: Record<string, string> }> };

const check = process.argv.includes('--check');

// The canary is deployed only when given a current model; its functions count as much as the others.
const templates = [synthesizeTemplate(), synthesizeTemplate({ canary: { currentModel: 'local:echo' } })] as Template[];
const entries = [
  ...new Set(
    templates.flatMap((t) =>
      Object.values(t.Resources)
        .filter((r) => r.Type === 'AWS::Lambda::Function')
        .map((r) => r.Metadata?.['finegate:entry'])
        .filter((e): e is string => !!e),
    ),
  ),
].sort();

interface Row {
  entry: string;
  bytes: number;
  gzip: number;
  modules: number;
  largest: string;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

const rows: Row[] = [];
const ownSources = new Set<string>();
for (const entry of entries) {
  const result = await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    write: false,
    outfile: 'index.mjs',
    metafile: true,
    mainFields: [...BUNDLE_MAIN_FIELDS],
    external: [...BUNDLE_EXTERNAL_MODULES],
    alias: { ...BUNDLE_ALIASES },
    banner: { js: ESM_REQUIRE_BANNER },
    logLevel: 'silent',
  });
  const code = result.outputFiles.find((f) => f.path.endsWith('.mjs'))!.contents;
  for (const path of Object.keys(result.metafile.inputs)) if (!path.includes('node_modules/')) ownSources.add(path);
  rows.push({
    entry,
    bytes: code.length,
    gzip: gzipSync(code).length,
    modules: Object.keys(result.metafile.inputs).length,
    largest: largestPackages(result.metafile, 4),
  });
}

const table = rows.map((r) => [r.entry, kb(r.bytes), kb(r.gzip), String(r.modules), budgetMark(r), r.largest]);
const headers = ['handler', 'minified', 'gzip', 'modules', 'budget', 'largest shares of the minified output'];
const widths = headers.slice(0, 5).map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
console.log(headers.map((h, i) => (i < 5 ? h.padEnd(widths[i]!) : h)).join('  '));
for (const r of table) console.log(r.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]!) : i < 5 ? c.padStart(widths[i]!) : c)).join('  '));
console.log(`budget: ${kb(BUNDLE_BUDGET_BYTES)} minified per handler (infra/finegate-function.ts)`);
for (const r of rows.filter((r) => r.bytes > BUNDLE_BUDGET_BYTES && BUNDLE_SIZE_REASONS[r.entry])) {
  console.log(`  ${r.entry}: ${BUNDLE_SIZE_REASONS[r.entry]}`);
}
// `import { z } from 'zod'` reaches zod's namespace through a re-export, which esbuild keeps whole (every locale,
// JSON-schema conversion: ~350 KB); `import * as z from 'zod'` lets it keep only what is used.
const zodNamed = [...ownSources].filter((path) => /import\s*\{\s*z\s*\}\s*from\s*'zod'/.test(readFileSync(join(PROJECT_ROOT, path), 'utf8')));
if (zodNamed.length > 0) {
  console.log(`${zodNamed.length} bundled sources import { z } from 'zod' (not tree-shakable); use import * as z from 'zod': ${zodNamed.sort().join(' ')}`);
}
const unexplained = rows.filter((r) => r.bytes > BUNDLE_BUDGET_BYTES && !BUNDLE_SIZE_REASONS[r.entry]);
if (check && unexplained.length > 0) {
  console.error(`over budget without a written reason: ${unexplained.map((r) => r.entry).join(', ')}`);
  process.exitCode = 1;
}

function budgetMark(row: Row): string {
  if (row.bytes <= BUNDLE_BUDGET_BYTES) return 'ok';
  return BUNDLE_SIZE_REASONS[row.entry] ? 'over (reason)' : 'OVER';
}

/** The packages whose code takes the most bytes of the minified output (what to cut first), finegate's own as one. */
function largestPackages(metafile: Metafile, count: number): string {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined) ?? Object.values(metafile.outputs)[0]!;
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    // The innermost node_modules names the package, so a nested duplicate copy shows up as its own entry.
    const at = path.lastIndexOf('node_modules/');
    const pkg = at < 0 ? '(finegate)' : /^(?:@[^/]+\/)?[^/]+/.exec(path.slice(at + 'node_modules/'.length))![0] + (path.indexOf('node_modules/') < at ? ' (nested copy)' : '');
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
  }
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([pkg, bytes]) => `${pkg} ${kb(bytes)}`)
    .join(', ');
}
