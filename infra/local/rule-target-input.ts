import type { RuleTargetModel } from './template-model';

/*
 * What a rule target receives: the whole event, or the target's Input (constant JSON), InputPath (a JSONPath
 * into the event) or InputTransformer (paths mapped into a template), as EventBridge applies them.
 */

export interface RuleContext {
  ruleName: string;
  ruleArn: string;
  ingestionTime: string;
}

export function targetInput(target: RuleTargetModel, event: Record<string, unknown>, rule: RuleContext): unknown {
  if (target.input !== undefined) return parseMaybeJson(target.input);
  if (target.inputPath !== undefined) return jsonPath(event, target.inputPath);
  if (target.inputTransformer !== undefined) return transform(target.inputTransformer, event, rule);
  return event;
}

/** The JSONPath subset EventBridge input paths use: `$`, `.name`, `['name']` and `[index]`. */
export function jsonPath(value: unknown, path: string): unknown {
  if (!path.startsWith('$')) throw new Error(`input path must start with $: ${path}`);
  const steps = path.slice(1).match(/\.[^.[]+|\[\d+\]|\['[^']*'\]|\["[^"]*"\]/g) ?? [];
  if (steps.join('') !== path.slice(1)) throw new Error(`unsupported input path ${path}`);
  let current: unknown = value;
  for (const step of steps) {
    if (current === undefined || current === null) return undefined;
    const key = step.startsWith('.') ? step.slice(1) : step.startsWith('[\'') || step.startsWith('["') ? step.slice(2, -2) : Number(step.slice(1, -1));
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function transform(
  transformer: NonNullable<RuleTargetModel['inputTransformer']>,
  event: Record<string, unknown>,
  rule: RuleContext,
): unknown {
  const values: Record<string, unknown> = {
    'aws.events.rule-name': rule.ruleName,
    'aws.events.rule-arn': rule.ruleArn,
    'aws.events.event.ingestion-time': rule.ingestionTime,
    'aws.events.event': event,
    'aws.events.event.json': event,
  };
  for (const [name, path] of Object.entries(transformer.inputPathsMap)) values[name] = jsonPath(event, path);

  // A placeholder inside a JSON string is replaced by the raw text; outside, by the JSON value.
  let inString = false;
  let out = '';
  const template = transformer.inputTemplate;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch === '\\' && inString) {
      out += ch + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '"') inString = !inString;
    if (ch === '<') {
      const end = template.indexOf('>', i);
      const name = end > i ? template.slice(i + 1, end) : '';
      if (name && Object.hasOwn(values, name)) {
        const value = values[name];
        out += inString ? JSON.stringify(typeof value === 'string' ? value : JSON.stringify(value ?? null)).slice(1, -1) : JSON.stringify(value ?? null);
        i = end;
        continue;
      }
    }
    out += ch;
  }
  return parseMaybeJson(out);
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
