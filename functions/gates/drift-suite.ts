/**
 * The frozen drift suite: items that probe what a fine-tune tends to erode (arithmetic, format following,
 * multi-turn instruction following, refusals), each with a deterministic check. The frozen axes are generated once
 * from a fixed seed and committed as JSONL files under suites/drift/<version>/ with a manifest holding each file's
 * SHA-256 and a content hash over all of them; the `domain` axis is the user's, supplied as extra JSONL files.
 *
 * Item: `{ id, axis, messages: [{role, content}], check: {rubric, ...params} }`. A leading system message is
 * allowed; the conversation ends with a user turn, which the model answers.
 *
 * Pure: the loader takes file contents, not paths; reading them is the caller's business.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { ChatRequest } from '../models/chat-model';
import { checkSpecSchema, parseCheck, type Check } from './rubrics/registry';

export const DRIFT_AXES = ['arithmetic', 'format', 'multi_turn', 'refusal', 'domain'] as const;
export type DriftAxis = (typeof DRIFT_AXES)[number];
/** The axes generated into the suite; `domain` comes from the user. */
export const FROZEN_AXES = ['arithmetic', 'format', 'multi_turn', 'refusal'] as const satisfies readonly DriftAxis[];

const messageSchema = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().min(1),
});

export const driftItemSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'ids are 1–128 letters, digits, _ . : -, starting with a letter or digit'),
  axis: z.enum(DRIFT_AXES),
  messages: z
    .array(messageSchema)
    .min(1)
    .superRefine((messages, ctx) => {
      messages.forEach((m, i) => {
        if (m.role === 'system' && i !== 0) ctx.addIssue({ code: 'custom', message: 'a system message may only come first', path: [i, 'role'] });
      });
      if (messages[messages.length - 1]?.role !== 'user') ctx.addIssue({ code: 'custom', message: 'the conversation must end with a user message' });
    }),
  check: checkSpecSchema.superRefine((check, ctx) => {
    const parsed = parseCheck(check);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
  }),
});
export type DriftItem = z.infer<typeof driftItemSchema>;

/** An item with its check read: ready to score. */
export interface LoadedDriftItem {
  item: DriftItem;
  check: Check;
  /** Where it came from: file name and 1-based line. */
  source: { file: string; line: number };
}

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);

export const driftManifestSchema = z.strictObject({
  suite: z.literal('drift'),
  version: z.string().regex(/^v\d+$/),
  seed: z.number().int(),
  generator: z.string().min(1),
  rubricSetVersion: z.string().min(1),
  files: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z0-9_-]+\.jsonl$/),
        axis: z.enum(FROZEN_AXES),
        items: z.number().int().min(1),
        sha256: sha256Schema,
      }),
    )
    .min(1),
  contentHash: sha256Schema,
});
export type DriftManifest = z.infer<typeof driftManifestSchema>;

export interface SuiteFile {
  name: string;
  text: string;
}

export interface DriftSuite {
  version: string;
  /** The frozen files' content hash, as the manifest records it (and the loader verified). */
  contentHash: string;
  /** Content hash of the extra (domain) files; undefined when there were none. */
  domainHash?: string;
  items: LoadedDriftItem[];
  /** Items per axis, in suite order of first appearance. */
  axisCounts: Record<string, number>;
}

export type DriftSuiteLoad = { ok: true; suite: DriftSuite } | { ok: false; errors: string[] };

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Hash over files: SHA-256 of one `<name>\t<sha256 of its text>\n` line per file, in name order. */
export function contentHash(files: readonly { name: string; sha256: string }[]): string {
  const lines = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((f) => `${f.name}\t${f.sha256}\n`);
  return sha256Hex(lines.join(''));
}

/** One JSONL line per item, newline-terminated: the committed form. */
export function serializeItems(items: readonly DriftItem[]): string {
  return items.map((item) => `${JSON.stringify(item)}\n`).join('');
}

/** Reads a JSONL file of items; blank lines are skipped, and every bad line is reported with its number. */
export function parseSuiteJsonl(file: SuiteFile): { items: LoadedDriftItem[]; errors: string[] } {
  const items: LoadedDriftItem[] = [];
  const errors: string[] = [];
  file.text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      errors.push(`${file.name}:${line}: not valid JSON`);
      return;
    }
    const parsed = driftItemSchema.safeParse(value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => (i.path.length === 0 ? i.message : `${i.path.join('.')}: ${i.message}`));
      errors.push(`${file.name}:${line}: ${issues.join('; ')}`);
      return;
    }
    const check = parseCheck(parsed.data.check);
    if (!check.ok) {
      errors.push(`${file.name}:${line}: ${check.error}`);
      return;
    }
    items.push({ item: parsed.data, check: check.check, source: { file: file.name, line } });
  });
  return { items, errors };
}

/**
 * Loads a suite: the manifest, the frozen files it lists (each must match its recorded SHA-256 and item count, and
 * hold only its axis), and any extra domain files (axis `domain` only). Item ids must be unique across all of them.
 * Any problem fails the load with every problem listed: a gate must not run on a suite it cannot vouch for.
 */
export function loadDriftSuite(input: { manifest: string | unknown; files: readonly SuiteFile[]; extra?: readonly SuiteFile[] }): DriftSuiteLoad {
  const errors: string[] = [];
  let manifestValue: unknown = input.manifest;
  if (typeof manifestValue === 'string') {
    try {
      manifestValue = JSON.parse(manifestValue);
    } catch {
      return { ok: false, errors: ['manifest: not valid JSON'] };
    }
  }
  const manifestParse = driftManifestSchema.safeParse(manifestValue);
  if (!manifestParse.success) {
    return { ok: false, errors: manifestParse.error.issues.map((i) => `manifest: ${i.path.join('.') || '(root)'}: ${i.message}`) };
  }
  const manifest = manifestParse.data;
  if (contentHash(manifest.files) !== manifest.contentHash) errors.push('manifest: contentHash does not match the files it lists');

  const byName = new Map<string, SuiteFile>();
  for (const f of input.files) byName.set(f.name, f);
  const items: LoadedDriftItem[] = [];
  for (const entry of manifest.files) {
    const file = byName.get(entry.name);
    if (file === undefined) {
      errors.push(`${entry.name}: listed in the manifest but not supplied`);
      continue;
    }
    if (sha256Hex(file.text) !== entry.sha256) {
      errors.push(`${entry.name}: content differs from the manifest's SHA-256 (the frozen suite was changed)`);
      continue;
    }
    const parsed = parseSuiteJsonl(file);
    errors.push(...parsed.errors);
    if (parsed.items.length !== entry.items) errors.push(`${entry.name}: ${parsed.items.length} items, the manifest says ${entry.items}`);
    for (const loaded of parsed.items) {
      if (loaded.item.axis !== entry.axis) errors.push(`${entry.name}:${loaded.source.line}: axis ${loaded.item.axis} in the ${entry.axis} file`);
    }
    items.push(...parsed.items);
  }

  const extra = input.extra ?? [];
  const extraHashes: { name: string; sha256: string }[] = [];
  for (const file of extra) {
    if (manifest.files.some((f) => f.name === file.name)) {
      errors.push(`${file.name}: an extra file may not take the name of a frozen file`);
      continue;
    }
    extraHashes.push({ name: file.name, sha256: sha256Hex(file.text) });
    const parsed = parseSuiteJsonl(file);
    errors.push(...parsed.errors);
    for (const loaded of parsed.items) {
      if (loaded.item.axis !== 'domain') errors.push(`${file.name}:${loaded.source.line}: extra files hold domain items only, not ${loaded.item.axis}`);
    }
    items.push(...parsed.items);
  }

  const seen = new Map<string, string>();
  for (const { item, source } of items) {
    const where = `${source.file}:${source.line}`;
    const first = seen.get(item.id);
    if (first !== undefined) errors.push(`${where}: duplicate id ${JSON.stringify(item.id)} (first at ${first})`);
    else seen.set(item.id, where);
  }
  if (errors.length > 0) return { ok: false, errors };

  const axisCounts: Record<string, number> = {};
  for (const { item } of items) axisCounts[item.axis] = (axisCounts[item.axis] ?? 0) + 1;
  const suite: DriftSuite = { version: manifest.version, contentHash: manifest.contentHash, items, axisCounts };
  if (extraHashes.length > 0) suite.domainHash = contentHash(extraHashes);
  return { ok: true, suite };
}

/** The chat request for an item: a leading system message becomes the request's system prompt. */
export function driftItemRequest(item: DriftItem): Pick<ChatRequest, 'system' | 'messages'> {
  const [first, ...rest] = item.messages;
  const turns = first?.role === 'system' ? rest : item.messages;
  const messages = turns.map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content }));
  return first?.role === 'system' ? { system: first.content, messages } : { messages };
}
