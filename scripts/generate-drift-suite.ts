/**
 * Generates the frozen drift suite from a fixed seed: one JSONL file per generated axis plus a manifest with each
 * file's SHA-256 and the suite's content hash. Run once per suite version and commit the output; a test regenerates
 * from the manifest's seed and requires the committed bytes.
 *
 *   npx tsx scripts/generate-drift-suite.ts [--out suites/drift/v1] [--force]
 *
 * Without --force it refuses to overwrite a file whose content would change: a frozen suite is not regenerated
 * silently.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentHash, serializeItems, sha256Hex, type DriftItem, type DriftManifest, type SuiteFile } from '../functions/gates/drift-suite';
import { seededRandom } from '../functions/gates/seeded-random';
import { arithmeticItems } from './drift-suite/arithmetic-items';
import { formatItems } from './drift-suite/format-items';
import { multiTurnItems } from './drift-suite/multi-turn-items';
import { refusalItems } from './drift-suite/refusal-items';

export const DRIFT_SUITE_VERSION = 'v1';
export const DRIFT_SUITE_SEED = 20261101;
export const MANIFEST_NAME = 'manifest.json';
/** The rubric set the v1 items were written for; a constant, so a later rubric release does not rewrite a frozen suite. */
const RUBRIC_SET_AT_GENERATION = '2026-11-v1';

const AXES: readonly { axis: DriftManifest['files'][number]['axis']; salt: number; generate: (r: ReturnType<typeof seededRandom>) => DriftItem[] }[] = [
  { axis: 'arithmetic', salt: 1, generate: (r) => arithmeticItems(r) },
  { axis: 'format', salt: 2, generate: (r) => formatItems(r) },
  { axis: 'multi_turn', salt: 3, generate: (r) => multiTurnItems(r) },
  { axis: 'refusal', salt: 4, generate: (r) => refusalItems(r) },
];

/** The suite's files (the manifest last), as they are committed. Each axis draws from its own seeded stream. */
export function generateDriftSuite(seed = DRIFT_SUITE_SEED, version = DRIFT_SUITE_VERSION): SuiteFile[] {
  const files: SuiteFile[] = [];
  const entries: DriftManifest['files'] = [];
  for (const { axis, salt, generate } of AXES) {
    const items = generate(seededRandom(seed * 16 + salt));
    const name = `${axis}.jsonl`;
    const text = serializeItems(items);
    files.push({ name, text });
    entries.push({ name, axis, items: items.length, sha256: sha256Hex(text) });
  }
  const manifest: DriftManifest = {
    suite: 'drift',
    version,
    seed,
    generator: 'scripts/generate-drift-suite.ts',
    rubricSetVersion: RUBRIC_SET_AT_GENERATION,
    files: entries,
    contentHash: contentHash(entries),
  };
  files.push({ name: MANIFEST_NAME, text: `${JSON.stringify(manifest, null, 2)}\n` });
  return files;
}

function main(argv: readonly string[]): void {
  const outIndex = argv.indexOf('--out');
  const out = resolve(outIndex === -1 ? join('suites', 'drift', DRIFT_SUITE_VERSION) : argv[outIndex + 1]!);
  const force = argv.includes('--force');
  const files = generateDriftSuite();
  const changed = files.filter((f) => existsSync(join(out, f.name)) && readFileSync(join(out, f.name), 'utf8') !== f.text);
  if (changed.length > 0 && !force) {
    process.stderr.write(`refusing to overwrite frozen suite files that would change: ${changed.map((f) => f.name).join(', ')} (use --force for a new suite version)\n`);
    process.exitCode = 1;
    return;
  }
  mkdirSync(out, { recursive: true });
  for (const f of files) writeFileSync(join(out, f.name), f.text);
  process.stdout.write(`wrote ${files.length} files to ${out}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
