import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDriftSuite, type DriftSuite, type SuiteFile } from '../gates/drift-suite';
import { readText } from './read-text';

/**
 * The frozen drift suite shipped with finegate (suites/drift/<version>/), plus the user's domain items from S3 or a
 * path. The Lambda bundle carries the suite files; FINEGATE_SUITES_DIR says where (the repository's suites/ otherwise).
 */
export async function loadShippedDriftSuite(version: string, extraUri?: string): Promise<DriftSuite> {
  const dir = join(suitesRoot(), 'drift', version);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.jsonl')).sort();
  } catch (error) {
    throw new Error(`drift suite ${version} not found in ${dir}: ${(error as Error).message}`);
  }
  const manifest = await readFile(join(dir, 'manifest.json'), 'utf8');
  const files: SuiteFile[] = await Promise.all(names.map(async (name) => ({ name, text: await readFile(join(dir, name), 'utf8') })));
  const extra: SuiteFile[] = extraUri ? [{ name: extraUri, text: await readText(extraUri) }] : [];
  const loaded = loadDriftSuite({ manifest, files, extra });
  if (!loaded.ok) throw new Error(`drift suite ${version} is invalid: ${loaded.errors.slice(0, 5).join('; ')}`);
  return loaded.suite;
}

/** FINEGATE_SUITES_DIR, else suites/ beside the bundle (a Lambda), else the repository's suites/ (from source). */
function suitesRoot(): string {
  if (process.env.FINEGATE_SUITES_DIR) return process.env.FINEGATE_SUITES_DIR;
  for (const relative of ['./suites/', '../../suites/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(join(dir, 'drift'))) return dir;
  }
  throw new Error('the drift suites are not beside this code: set FINEGATE_SUITES_DIR');
}
