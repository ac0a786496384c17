import { hash } from 'node:crypto';
import type { AuditConfig } from './audit-config';
import type { CorpusSource } from './audit-ports';
import { parseCorpusLine, type CorpusRow } from './corpus-row';
import type { Finding } from './finding';
import { RelabelSampler } from './judge-relabel';
import { LabelNoiseCollector, type LabelNoiseResult } from './label-noise';
import { decodeLine, readLines } from './line-reader';
import { NearDuplicateIndex } from './near-duplicate-index';
import { Shingler } from './shingles';
import { SkewCollector } from './skew';

/**
 * Pass 1's decisions, row by row in line order: exact and normalised duplicates, leakage against the held-out file
 * and the eval rows of the same file, MinHash near-duplicates, and what label noise and skew collect. The single
 * audit feeds it as it parses; the sharded audit's reduce feeds it the shards' compact rows in the same line order,
 * so both reach the same decisions with the same code.
 */

export type Group = 'train' | 'eval';

export interface LineFindings {
  id?: string;
  quarantined: boolean;
  findings: Finding[];
}

/** A parsed row as pass 1 decides it: its features, not its text. */
export interface LedgerRow {
  line: number;
  id?: string;
  group: Group;
  /** rawHash of the line's bytes (0 when exact deduplication is off). */
  rawHash: number;
  /** Normalised key of the whole row (shingles.ts). */
  key: number;
  /** Key of the prompt side, when it has at least `leakage.minPromptWords` words. */
  promptKey?: number;
  /**
   * The row's shingles. May be empty when the caller knows none of `keys` is shared with another row: such a row
   * can match nothing and nothing can match it, so the index needs no shingles for it.
   */
  shingles: Uint32Array;
  /** LSH band keys of the row's shingles. */
  keys: Float64Array;
  /** Normalised tokens (words). */
  tokens: number;
  /** Characters over all segments. */
  chars: number;
  label?: string;
  source?: string;
  /** The row checks' findings; the ledger appends its own after them. */
  findings: Finding[];
  /** What the label is about (labelText), asked for only for a labelled, non-duplicate training row. */
  labelText?: () => string;
}

interface RepeatIndex {
  normalized: Map<number, number>;
  prompts: Map<number, number>;
  near: NearDuplicateIndex;
}

export class AuditLedger {
  readonly affected = new Map<number, LineFindings>();
  readonly quarantined = new Set<number>();
  /** Representatives that have at least one duplicate. */
  readonly clusterHeads = new Set<number>();
  readonly skew = new SkewCollector();
  readonly labelNoise?: LabelNoiseCollector;
  readonly relabelSample?: RelabelSampler;
  /** Line of each row handed to label noise, by its index there. */
  readonly labelLines: number[] = [];
  readonly heldout: RepeatIndex & { rows: number; parseErrors: number };
  evalRows = 0;
  private readonly groups: Record<Group, RepeatIndex>;
  private readonly config: AuditConfig;

  constructor(config: AuditConfig, options: { relabel: boolean }) {
    this.config = config;
    const dedup = { bands: config.dedup.bands, rowsPerBand: config.dedup.rowsPerBand, threshold: config.dedup.threshold };
    this.groups = {
      train: { normalized: new Map(), prompts: new Map(), near: new NearDuplicateIndex(dedup) },
      eval: { normalized: new Map(), prompts: new Map(), near: new NearDuplicateIndex(dedup) },
    };
    this.heldout = { rows: 0, parseErrors: 0, normalized: new Map(), prompts: new Map(), near: new NearDuplicateIndex(dedup) };
    if (config.labelNoise.enabled) this.labelNoise = new LabelNoiseCollector({ seed: config.labelNoise.seed, maxRows: config.labelNoise.maxRows });
    if (config.labelNoise.enabled && options.relabel) this.relabelSample = new RelabelSampler({ n: config.labelNoise.judgeSample, seed: config.labelNoise.seed });
  }

  /** Band keys of a shingle list (a scratch array, valid until the next call). */
  keysOf(shingles: Uint32Array): Float64Array {
    return this.groups.train.near.keysOf(shingles);
  }

  addFindings(line: number, id: string | undefined, findings: Finding[]): void {
    if (findings.length === 0) return;
    let entry = this.affected.get(line);
    if (!entry) this.affected.set(line, (entry = { id, quarantined: false, findings: [] }));
    entry.findings.push(...findings);
    if (findings.some((f) => f.action === 'quarantine')) {
      entry.quarantined = true;
      this.quarantined.add(line);
    }
  }

  /**
   * The held-out file, read whole before any training row: training rows are tested against all of it.
   * `onRow` sees each parsed held-out row's shingles (the sharded reduce collects their band keys).
   */
  async readHeldout(source: CorpusSource, onRow?: (shingles: Uint32Array) => void): Promise<void> {
    const shingler = new Shingler({ shingleSize: this.config.dedup.shingleSize });
    const heldout = this.heldout;
    for await (const raw of readLines(await source.open(), { maxLineBytes: this.config.limits.maxLineBytes })) {
      const parsed = raw.tooLong ? undefined : parseCorpusLine(decodeLine(raw.bytes).text);
      if (!parsed?.ok) {
        heldout.parseErrors++;
        continue;
      }
      heldout.rows++;
      const sh = shingler.row(parsed.row.segments);
      onRow?.(sh.shingles);
      if (!heldout.normalized.has(sh.key)) heldout.normalized.set(sh.key, firstEntry(raw.lineNumber, 0));
      if (heldout.near.query(sh.shingles) === undefined) heldout.near.insert(raw.lineNumber, sh.shingles);
      if (sh.promptTokens >= this.config.leakage.minPromptWords && !heldout.prompts.has(sh.promptKey)) {
        heldout.prompts.set(sh.promptKey, raw.lineNumber);
      }
    }
  }

  /** Decides one parsed row; rows must come in line order. */
  addRow(row: LedgerRow): void {
    const { config } = this;
    const { line, group, key: normalizedKey, promptKey, shingles, keys, findings } = row;
    if (group === 'eval') this.evalRows++;
    const g = this.groups[group];
    const other = this.groups[group === 'train' ? 'eval' : 'train'];
    let duplicate = false;

    if (config.dedup.exact) {
      // One map per group: normalised key → first line and a hash of its raw bytes, so a repeat is known to be
      // byte-identical ("exact") or identical after normalisation, with one lookup.
      const first = g.normalized.get(normalizedKey);
      if (first !== undefined) {
        const exact = (first & RAW_MASK) === row.rawHash;
        const of = lineOf(first);
        findings.push(dupFinding('duplicate', exact ? 'duplicate.exact' : 'duplicate.normalized', of, 1));
        this.clusterHeads.add(of);
        duplicate = true;
      } else g.normalized.set(normalizedKey, firstEntry(line, row.rawHash));
    }

    // Leakage: a training row that repeats a held-out row (held-out file, or eval rows of the same file).
    if (config.leakage.enabled) {
      if (group === 'train') {
        const leak = leakageOf(normalizedKey, promptKey, shingles, keys, this.heldout, 'held-out file') ?? leakageOf(normalizedKey, promptKey, shingles, keys, other, 'eval split');
        if (leak) findings.push(leak);
      } else {
        // An eval row found after the training row it repeats: quarantine that earlier training row.
        const leakedTrain = leakedTrainLine(normalizedKey, promptKey, shingles, keys, other);
        if (leakedTrain) {
          this.addFindings(leakedTrain.line, undefined, [{ ...leakageFinding('leakage.eval-split', leakedTrain.similarity), duplicateOf: line, evidence: `repeats eval row at line ${line}` }]);
        }
      }
      if (promptKey !== undefined && !g.prompts.has(promptKey)) g.prompts.set(promptKey, line);
    }

    if (!duplicate && config.dedup.near) {
      const match = g.near.query(shingles, keys);
      if (match) {
        findings.push(dupFinding('near_duplicate', 'near_duplicate.minhash', match.id, match.similarity));
        this.clusterHeads.add(match.id);
        duplicate = true;
      } else g.near.insert(line, shingles, keys);
    }

    if (group === 'train' && !duplicate && row.label !== undefined && (this.labelNoise || this.relabelSample)) {
      // The classifier reads a row's opening: a system prompt shared by every row would be all it sees.
      const text = row.labelText?.() ?? '';
      this.labelNoise?.add(this.labelLines.length, row.label, text);
      this.relabelSample?.add(this.labelLines.length, row.label, text);
      this.labelLines.push(line);
    }
    // Approximate tokens: words, or characters / 4 for scripts without spaces, whichever is larger.
    this.skew.add({ label: row.label, source: row.source, chars: row.chars, tokens: Math.max(row.tokens, Math.round(row.chars / 4)) });
    this.addFindings(line, row.id, findings);
  }

  /** Label noise needs the whole corpus: suspects are flagged for review, never removed (a classifier's doubt is no proof). */
  finishLabelNoise(): LabelNoiseResult | undefined {
    const result = this.labelNoise?.finish({ folds: this.config.labelNoise.folds });
    if (result && !result.skipped) {
      for (const suspect of result.suspects) {
        this.addFindings(this.labelLines[suspect.rowIndex]!, undefined, [
          {
            check: 'label_noise',
            rule: 'label_noise.confident-learning',
            severity: 'low',
            action: 'warn',
            evidence: `labelled ${JSON.stringify(suspect.givenLabel)}, likely ${JSON.stringify(suspect.suggestedLabel)} (p=${suspect.suggestedConfidence.toFixed(2)})`,
          },
        ]);
      }
    }
    return result;
  }
}

/** Whether a row is held-out data (its `split` names a held-out split) or training data. */
export function rowGroup(row: CorpusRow, config: AuditConfig): Group {
  return config.leakage.enabled && row.split !== undefined && config.leakage.heldoutSplits.includes(row.split.toLowerCase()) ? 'eval' : 'train';
}

/** What a row's label is about: its user and assistant turns, without system prompts. */
export function labelText(row: CorpusRow): string {
  let out = '';
  for (const s of row.segments) if (s.role !== 'system') out += (out === '' ? '' : '\n') + s.text;
  return out;
}

/** Characters over all of a row's segments. */
export function rowChars(row: CorpusRow): number {
  return row.segments.reduce((sum, s) => sum + s.text.length, 0);
}

const RAW_BITS = 2 ** 21;
const RAW_MASK = RAW_BITS - 1;

/** 21 bits of a line's SHA-1 (native, faster than any byte loop in JS): tells a byte-identical repeat from a normalised one. */
export function rawHash(bytes: Uint8Array): number {
  return parseInt(hash('sha1', bytes, 'hex').slice(0, 6), 16) & RAW_MASK;
}

/** A line number and a raw hash in one safe integer (line < 2^32). */
function firstEntry(line: number, raw: number): number {
  return line * RAW_BITS + raw;
}

function lineOf(entry: number): number {
  return Math.floor(entry / RAW_BITS);
}

function dupFinding(check: 'duplicate' | 'near_duplicate', rule: string, of: number, similarity: number): Finding {
  return {
    check,
    rule,
    severity: 'low',
    action: 'quarantine',
    evidence: check === 'duplicate' ? `same as line ${of}` : `Jaccard ${similarity.toFixed(3)} with line ${of}`,
    duplicateOf: of,
    ...(check === 'near_duplicate' ? { similarity: round3(similarity) } : {}),
  };
}

function leakageFinding(rule: string, similarity: number): Finding {
  return { check: 'leakage', rule, severity: 'high', action: 'quarantine', evidence: '', similarity: round3(similarity) };
}

function leakageOf(normalizedKey: number, promptKey: number | undefined, shingles: Uint32Array, keys: Float64Array, index: RepeatIndex, where: string): Finding | undefined {
  const rule = where === 'held-out file' ? 'leakage.heldout' : 'leakage.eval-split';
  const entry = index.normalized.get(normalizedKey);
  if (entry !== undefined) {
    const exact = lineOf(entry);
    return { ...leakageFinding(rule, 1), duplicateOf: exact, evidence: `repeats ${where} line ${exact}` };
  }
  if (promptKey !== undefined) {
    const prompt = index.prompts.get(promptKey);
    if (prompt !== undefined) return { ...leakageFinding(rule, 1), duplicateOf: prompt, evidence: `asks the same as ${where} line ${prompt}` };
  }
  const near = index.near.query(shingles, keys);
  if (near) return { ...leakageFinding(rule, near.similarity), duplicateOf: near.id, evidence: `Jaccard ${near.similarity.toFixed(3)} with ${where} line ${near.id}` };
  return undefined;
}

function leakedTrainLine(normalizedKey: number, promptKey: number | undefined, shingles: Uint32Array, keys: Float64Array, train: RepeatIndex): { line: number; similarity: number } | undefined {
  const entry = train.normalized.get(normalizedKey);
  if (entry !== undefined) return { line: lineOf(entry), similarity: 1 };
  if (promptKey !== undefined) {
    const prompt = train.prompts.get(promptKey);
    if (prompt !== undefined) return { line: prompt, similarity: 1 };
  }
  const near = train.near.query(shingles, keys);
  return near ? { line: near.id, similarity: near.similarity } : undefined;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
