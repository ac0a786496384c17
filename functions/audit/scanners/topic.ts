import type { Action, RuleMeta, Severity } from '../finding';
import type { ScanHit, TextScanner } from '../text-scanner';
import { DEFAULT_TOPICS } from './default-topics';
import { PhraseMatcher, normalizePhrase, type PhraseEntry } from './phrase-matcher';

export { DEFAULT_TOPICS, SAFETY_BOILERPLATE_TOPIC } from './default-topics';

/** A restricted topic. Its rule id is `topic.<id>`. */
export interface TopicDefinition {
  /** kebab-case, e.g. `safety-boilerplate`. */
  readonly id: string;
  readonly description: string;
  /**
   * Literal phrases, matched as whole words, ignoring case, runs of whitespace, soft punctuation
   * (`, . ; : ! ? " ( ) [ ] { } * _ -`, dashes, typographic quotes) and apostrophes.
   */
  readonly phrases?: readonly string[];
  /**
   * Regular-expression sources, compiled with the `i`, `m` and `u` flags; a pattern must not match the empty
   * string. All of a topic's patterns run as one regex. Use them for what phrases cannot say.
   */
  readonly patterns?: readonly string[];
  /** Default medium. */
  readonly severity?: Severity;
  /** Default quarantine. */
  readonly action?: Action;
}

export interface TopicScannerOptions {
  /** Topics to scan for. A topic with the id of a default topic replaces that default. */
  readonly topics?: readonly TopicDefinition[];
  /** Also scan for {@link DEFAULT_TOPICS} (default true). */
  readonly includeDefaults?: boolean;
}

const TOPIC_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
const ACTIONS: readonly Action[] = ['quarantine', 'warn'];

export function topicRule(topic: TopicDefinition): RuleMeta {
  return {
    id: `topic.${topic.id}`,
    check: 'topic',
    severity: topic.severity ?? 'medium',
    action: topic.action ?? 'quarantine',
    description: topic.description,
  };
}

/** Rules of the default topics; a configured scanner's `rules` lists its own topics. */
export const TOPIC_RULES: readonly RuleMeta[] = DEFAULT_TOPICS.map(topicRule);

function compilePatterns(topic: TopicDefinition): RegExp | undefined {
  const patterns = topic.patterns ?? [];
  if (patterns.length === 0) return undefined;
  for (const source of patterns) {
    let regex: RegExp;
    try {
      regex = new RegExp(source, 'imu');
    } catch (error) {
      throw new Error(`topic ${topic.id}: invalid pattern ${JSON.stringify(source)}: ${(error as Error).message}`);
    }
    // In the combined regex an empty match would shadow the patterns after it.
    if (regex.test('')) throw new Error(`topic ${topic.id}: pattern ${JSON.stringify(source)} matches the empty string`);
  }
  // One regex per topic, not per pattern: each row is scanned once per topic that has patterns.
  return new RegExp(patterns.map((source) => `(?:${source})`).join('|'), 'gimu');
}

function validate(topic: TopicDefinition): void {
  if (!TOPIC_ID.test(topic.id)) throw new Error(`topic id ${JSON.stringify(topic.id)} is not kebab-case`);
  if (typeof topic.description !== 'string' || topic.description.trim() === '') {
    throw new Error(`topic ${topic.id}: description is required`);
  }
  if ((topic.phrases?.length ?? 0) === 0 && (topic.patterns?.length ?? 0) === 0) {
    throw new Error(`topic ${topic.id}: needs at least one phrase or pattern`);
  }
  if (topic.severity !== undefined && !SEVERITIES.includes(topic.severity)) {
    throw new Error(`topic ${topic.id}: unknown severity ${JSON.stringify(topic.severity)}`);
  }
  if (topic.action !== undefined && !ACTIONS.includes(topic.action)) {
    throw new Error(`topic ${topic.id}: unknown action ${JSON.stringify(topic.action)}`);
  }
  for (const phrase of topic.phrases ?? []) {
    if (normalizePhrase(phrase) === '') throw new Error(`topic ${topic.id}: phrase ${JSON.stringify(phrase)} is empty once folded`);
  }
}

function resolveTopics(options: TopicScannerOptions): TopicDefinition[] {
  const own = options.topics ?? [];
  const ids = new Set<string>();
  for (const topic of own) {
    validate(topic);
    if (ids.has(topic.id)) throw new Error(`topic ${topic.id} is defined twice`);
    ids.add(topic.id);
  }
  const defaults = options.includeDefaults === false ? [] : DEFAULT_TOPICS.filter((topic) => !ids.has(topic.id));
  return [...defaults, ...own];
}

interface Span {
  topic: number;
  start: number;
  end: number;
}

export function createTopicScanner(options: TopicScannerOptions = {}): TextScanner {
  const topics = resolveTopics(options);
  const rules = topics.map(topicRule);
  const ruleIds = rules.map((rule) => rule.id);
  const entries: PhraseEntry[] = [];
  topics.forEach((topic, group) => {
    for (const text of topic.phrases ?? []) entries.push({ text, group });
  });
  const matcher = entries.length > 0 ? new PhraseMatcher(entries) : undefined;
  const patterned = topics.flatMap((topic, index) => {
    const regex = compilePatterns(topic);
    return regex === undefined ? [] : [{ topic: index, regex }];
  });

  return {
    check: 'topic',
    rules,
    scan(text: string, emit: (hit: ScanHit) => void): void {
      const spans: Span[] = [];
      matcher?.scan(text, (topic, start, end) => spans.push({ topic, start, end }));
      for (const { topic, regex } of patterned) {
        regex.lastIndex = 0;
        for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
          if (m[0].length === 0) {
            regex.lastIndex++;
            continue;
          }
          spans.push({ topic, start: m.index, end: m.index + m[0].length });
        }
      }
      if (spans.length === 0) return;
      // Overlapping phrases of one topic ("as an ai language model" inside "as an ai language model, i") are one hit.
      spans.sort((a, b) => a.topic - b.topic || a.start - b.start);
      let current = spans[0]!;
      for (let i = 1; i < spans.length; i++) {
        const next = spans[i]!;
        if (next.topic === current.topic && next.start < current.end) {
          current.end = Math.max(current.end, next.end);
        } else {
          emit({ rule: ruleIds[current.topic]!, start: current.start, end: current.end });
          current = next;
        }
      }
      emit({ rule: ruleIds[current.topic]!, start: current.start, end: current.end });
    },
  };
}
