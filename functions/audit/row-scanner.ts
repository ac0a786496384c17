import type { AuditConfig, CheckOptions } from './audit-config';
import type { CorpusRow, TextSegment } from './corpus-row';
import { formatPath } from './corpus-row';
import { escapeEvidence, maskPii, maskSecret } from './evidence-mask';
import type { Action, Check, Finding, RuleMeta, Severity } from './finding';
import type { ScanHit, TextScanner } from './text-scanner';
import { createCodeScanner } from './scanners/code';
import { createInjectionScanner } from './scanners/injection';
import { createInvisibleScanner } from './scanners/invisible';
import { createPiiScanner } from './scanners/pii';
import { createSecretsScanner } from './scanners/secrets';
import { createTopicScanner } from './scanners/topic';
import { createUrlScanner } from './scanners/url';

/** A span to mask when a row is written to the quarantine: where a secret or PII value sits. */
export interface MaskSpan {
  path: (string | number)[];
  start: number;
  end: number;
  mask: (value: string) => string;
}

interface ActiveScanner {
  scanner: TextScanner;
  options: CheckOptions;
  rules: Map<string, RuleMeta>;
  allow: RegExp[];
  masked: boolean;
}

/**
 * Runs every enabled row check over a row's text fields and turns raw hits into findings under the configured
 * policy: disabled rules dropped, allowlisted values dropped, severity/action overrides applied, evidence masked
 * (secrets, PII) or escaped (everything else). Scanners never see the policy and never format evidence.
 */
export class RowScanner {
  private readonly active: ActiveScanner[] = [];

  constructor(config: AuditConfig) {
    const c = config.checks;
    const add = (scanner: TextScanner, options: CheckOptions, masked = false) => {
      if (!options.enabled) return;
      this.active.push({
        scanner,
        options,
        rules: new Map(scanner.rules.map((r) => [r.id, r])),
        allow: options.allowlist.map((source) => new RegExp(source)),
        masked,
      });
    };
    add(createSecretsScanner(), c.secrets, true);
    add(createPiiScanner(), c.pii, true);
    add(createInjectionScanner(), c.injection);
    add(createUrlScanner({ denyHosts: c.url.denyHosts, allowHosts: c.url.allowHosts, shorteners: c.url.shorteners }), c.url);
    add(createInvisibleScanner(), c.invisible);
    add(createCodeScanner({ codeCorpus: config.corpusKind === 'code' }), c.code);
    add(createTopicScanner({ topics: c.topic.topics, includeDefaults: c.topic.includeDefaults }), c.topic);
  }

  /** Every rule the enabled scanners can report, for the report's rule table and the docs. */
  get rules(): RuleMeta[] {
    return this.active.flatMap((a) => [...a.rules.values()]);
  }

  scanRow(row: CorpusRow, findings: Finding[], spans?: MaskSpan[]): void {
    for (const segment of row.segments) this.scanSegment(segment, findings, spans);
  }

  scanSegment(segment: TextSegment, findings: Finding[], spans?: MaskSpan[]): void {
    const text = segment.text;
    let field: string | undefined;
    let a: ActiveScanner;
    // One callback per segment, not per scanner: the hot loop allocates as little as it can.
    const emit = (hit: ScanHit) => {
      if (segment.templated && TEMPLATE_RULES.has(hit.rule)) return;
      field ??= formatPath(segment.path);
      const finding = this.toFinding(a, hit, text, field);
      if (!finding) return;
      findings.push(finding);
      if ((a.masked || SECRET_RULES.has(hit.rule)) && spans) spans.push({ path: segment.path, start: hit.start, end: hit.end, mask: maskerFor(a.scanner.check, hit.rule) });
    };
    for (const active of this.active) {
      a = active;
      active.scanner.scan(text, emit, segment.role);
    }
  }

  /** Scans text that is not a parsed row (an unparseable line) only to find what must be masked. */
  maskableSpans(text: string): { start: number; end: number; mask: (v: string) => string }[] {
    const spans: { start: number; end: number; mask: (v: string) => string }[] = [];
    for (const a of this.active) {
      if (!a.masked && a.scanner.check !== 'url') continue;
      a.scanner.scan(text, (hit) => {
        if (a.masked || SECRET_RULES.has(hit.rule)) spans.push({ start: hit.start, end: hit.end, mask: maskerFor(a.scanner.check, hit.rule) });
      });
    }
    return spans;
  }

  private toFinding(a: ActiveScanner, hit: ScanHit, text: string, field: string): Finding | undefined {
    if (a.options.disabledRules.includes(hit.rule)) return undefined;
    const value = text.slice(hit.start, hit.end);
    for (const re of a.allow) if (re.test(value)) return undefined;
    const meta = a.rules.get(hit.rule);
    if (!meta) throw new Error(`scanner ${a.scanner.check} reported unknown rule ${hit.rule}`);
    const override = a.options.overrides[hit.rule];
    const severity: Severity = override?.severity ?? meta.severity;
    const action: Action = override?.action ?? meta.action;
    const evidence = a.masked || SECRET_RULES.has(hit.rule) ? maskerFor(a.scanner.check, hit.rule)(value) : escapeEvidence(value);
    return { check: a.scanner.check, rule: hit.rule, severity, action, evidence, field };
  }
}

/** Rules about chat-template syntax, which is the format itself in a templated prompt/completion corpus. */
const TEMPLATE_RULES = new Set(['injection.control-token', 'injection.turn-marker', 'injection.quoted-control-token']);

/** Rules of other checks whose span is a credential (a URL's user:password) and is masked like a secret. */
const SECRET_RULES = new Set(['url.credentials']);

function maskerFor(check: Check, rule: string): (value: string) => string {
  return check === 'secrets' || SECRET_RULES.has(rule) ? maskSecret : (value: string) => maskPii(rule, value);
}
