import { checkCandidateWeight, type AliasControl, type AliasWeights, type ClearOutcome, type Cohort, type VersionPin } from '../../functions/canary/alias-control';
import type { RolloutStopper, StopOutcome } from '../../functions/canary/rollout-stopper';
import type { JudgeCache } from '../../functions/gates/judge-cache';
import type { EventPublisher } from '../../functions/stores/event-publisher';
import type { VerdictRecord, VerdictStore } from '../../functions/stores/verdict-store';

/*
 * In-memory stand-ins for the canary's ports, with the semantics of the services behind them: the alias follows
 * Lambda's (one additional version, weights in (0, 1), versions immutable once published), the verdict store writes
 * once per (subject, key) as the conditional put does, the stopper reports an execution stopped once.
 */

export class MemoryAliasControl implements AliasControl {
  readonly versions = new Map<string, VersionPin>();
  currentVersion: string;
  candidate: { version: string; weight: number } | undefined;
  /** The candidate the last clear took the weight from (the alias description, in Lambda). */
  rolledBack: string | undefined;
  /** Every change made, in order: what a test asserts "acted once" on. */
  readonly writes: string[] = [];

  constructor(current: { version: string; pin: VersionPin }) {
    this.currentVersion = current.version;
    this.versions.set(current.version, current.pin);
  }

  async getWeights(): Promise<AliasWeights> {
    return {
      currentVersion: this.currentVersion,
      ...(this.candidate === undefined ? {} : { candidate: { ...this.candidate } }),
      ...(this.rolledBack === undefined ? {} : { rolledBack: this.rolledBack }),
    };
  }

  async setCandidateWeight(version: string, weight: number, currentVersion?: string): Promise<void> {
    checkCandidateWeight(weight);
    const current = currentVersion ?? this.currentVersion;
    if (!this.versions.has(version) || !this.versions.has(current)) throw new Error(`no version ${version} or ${current}`);
    if (version === current) throw new Error('the candidate must be another version');
    if (this.candidate !== undefined && this.candidate.version !== version) throw new Error(`already routes to ${this.candidate.version}`);
    this.currentVersion = current;
    this.candidate = { version, weight };
    this.rolledBack = undefined;
    this.writes.push(`weight ${version} ${weight} over ${current}`);
  }

  async clearCandidate(restoreVersion?: string): Promise<ClearOutcome> {
    const target = restoreVersion ?? this.currentVersion;
    const candidate = this.candidate;
    if (candidate === undefined && target === this.currentVersion) return { cleared: false };
    const moved = target !== this.currentVersion;
    this.candidate = undefined;
    this.currentVersion = target;
    if (candidate !== undefined) this.rolledBack = candidate.version;
    this.writes.push(`clear ${candidate?.version ?? '-'} to ${target}`);
    return { cleared: candidate !== undefined, ...(candidate === undefined ? {} : { version: candidate.version }), ...(moved ? { restored: target } : {}) };
  }

  async promote(version: string): Promise<void> {
    if (this.currentVersion === version && this.candidate === undefined) return;
    this.currentVersion = version;
    this.candidate = undefined;
    this.rolledBack = undefined;
    this.writes.push(`promote ${version}`);
  }

  async publishVersion(modelRef: string, cohort: Cohort, pin: Omit<VersionPin, 'modelRef' | 'cohort'> = {}): Promise<string> {
    const version = String(Math.max(...[...this.versions.keys()].map(Number)) + 1);
    this.versions.set(version, { ...pin, modelRef, cohort });
    this.writes.push(`publish ${version} ${cohort} ${modelRef}`);
    return version;
  }

  async versionPin(version: string): Promise<VersionPin> {
    const pin = this.versions.get(version);
    if (pin === undefined) throw Object.assign(new Error(`Function not found: ${version}`), { name: 'ResourceNotFoundException' });
    return { ...pin };
  }
}

export class MemoryVerdictStore implements VerdictStore {
  readonly records = new Map<string, VerdictRecord>();

  async putOnce(record: VerdictRecord): Promise<boolean> {
    const key = `${record.subject}|${record.key}`;
    if (this.records.has(key)) return false;
    this.records.set(key, structuredClone(record));
    return true;
  }

  async get(subject: string, key: string): Promise<VerdictRecord | undefined> {
    return this.records.get(`${subject}|${key}`);
  }

  async list(subject: string): Promise<VerdictRecord[]> {
    return [...this.records.values()].filter((r) => r.subject === subject);
  }

  async markPublished(subject: string, key: string, at = new Date().toISOString()): Promise<void> {
    const record = this.records.get(`${subject}|${key}`);
    if (record === undefined) throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    record.publishedAt ??= at;
  }
}

export class RecordingPublisher implements EventPublisher {
  readonly events: { source: string; detailType: string; detail: Record<string, unknown> }[] = [];

  async publish(source: string, detailType: string, detail: object): Promise<void> {
    this.events.push({ source, detailType, detail: structuredClone(detail) as Record<string, unknown> });
  }
}

export class RecordingStopper implements RolloutStopper {
  readonly stopped: { executionArn: string; cause: string }[] = [];
  private readonly ended = new Set<string>();

  async stop(executionArn: string, cause: string): Promise<StopOutcome> {
    if (this.ended.has(executionArn)) return 'not-running';
    this.ended.add(executionArn);
    this.stopped.push({ executionArn, cause });
    return 'stopped';
  }
}

export class MemoryJudgeCache implements JudgeCache {
  readonly entries = new Map<string, unknown>();

  async get(key: string): Promise<unknown> {
    return this.entries.get(key);
  }

  async put(key: string, result: unknown): Promise<boolean> {
    if (this.entries.has(key)) return false;
    this.entries.set(key, result);
    return true;
  }
}
