/**
 * Model reference strings, parsed in one place:
 *
 *   bedrock:<modelId | inference profile id | ARN>   Bedrock Runtime Converse API
 *   openai:<model>                                   the `openai` client (any OpenAI-compatible server via OPENAI_BASE_URL)
 *   replay:<s3:// URI | local path>                  recorded outputs
 *   local:<name>                                     deterministic in-process models
 *
 * Any of them may end in `#family=<family>` to declare the family where the name cannot tell it (an imported
 * model's opaque ARN, a fine-tune served under its own name, recorded outputs). Otherwise the family is derived
 * from the model id or name, because the cross-family judge rule must not depend on a hand-kept list per run.
 */

export const MODEL_PROVIDERS = ['bedrock', 'openai', 'replay', 'local'] as const;
export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

export const MODEL_FAMILIES = [
  'anthropic',
  'meta',
  'mistral',
  'openai',
  'google',
  'amazon',
  'qwen',
  'deepseek',
  'cohere',
  'ai21',
  'microsoft',
  'local',
  'replay',
  'unknown',
] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

export interface ModelRef {
  /** Canonical reference, `provider:model` plus any `#family=` declaration: the judge model's name in cache keys. */
  readonly id: string;
  readonly provider: ModelProvider;
  /** What the provider is called with: Bedrock model id or ARN, OpenAI model name, replay URI, local model name. */
  readonly model: string;
  readonly family: ModelFamily;
  /** Whether the family was derived from the name or declared with `#family=`. */
  readonly familySource: 'derived' | 'declared';
}

export class ModelRefError extends Error {
  override readonly name = 'ModelRefError';
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`invalid model reference ${JSON.stringify(input)}: ${reason}`);
  }
}

const DECLARED_FAMILY = /#family=([^#]*)$/;
// Whitespace and control characters never belong in a model name; they are how a pasted value goes wrong.
const BAD_CHARACTER = /[\s\u0000-\u001f\u007f]/;

/** Parses a model reference; throws ModelRefError naming what is wrong. */
export function parseModelRef(input: string): ModelRef {
  if (typeof input !== 'string') throw new ModelRefError(String(input), 'expected a string');
  let body = input.trim();
  if (body === '') throw new ModelRefError(input, 'it is empty; expected "<provider>:<model>" with provider bedrock, openai, replay or local');

  let declared: ModelFamily | undefined;
  const declaration = DECLARED_FAMILY.exec(body);
  if (declaration) {
    const family = declaration[1]!.toLowerCase();
    if (!isDeclarableFamily(family)) {
      const allowed = MODEL_FAMILIES.filter(isDeclarableFamily).join(', ');
      throw new ModelRefError(input, `unknown family ${JSON.stringify(declaration[1])} in #family=; expected one of ${allowed}`);
    }
    declared = family;
    body = body.slice(0, declaration.index);
  }

  const colon = body.indexOf(':');
  if (colon <= 0) throw new ModelRefError(input, 'expected "<provider>:<model>" with provider bedrock, openai, replay or local');
  const provider = body.slice(0, colon).toLowerCase();
  const model = body.slice(colon + 1);
  if (!(MODEL_PROVIDERS as readonly string[]).includes(provider)) {
    throw new ModelRefError(input, `unknown provider ${JSON.stringify(body.slice(0, colon))}; expected bedrock, openai, replay or local`);
  }
  if (model === '') throw new ModelRefError(input, `the ${provider} model is missing after "${provider}:"`);
  if (BAD_CHARACTER.test(model)) throw new ModelRefError(input, 'the model name contains whitespace or a control character');

  const p = provider as ModelProvider;
  const problem = validate(p, model);
  if (problem !== undefined) throw new ModelRefError(input, problem);

  const family = declared ?? deriveFamily(p, model);
  return {
    id: `${p}:${model}${declared !== undefined ? `#family=${declared}` : ''}`,
    provider: p,
    model,
    family,
    familySource: declared !== undefined ? 'declared' : 'derived',
  };
}

/** A ModelRef as is, or parsed from its string. */
export function toModelRef(ref: ModelRef | string): ModelRef {
  return typeof ref === 'string' ? parseModelRef(ref) : ref;
}

/** True when both models are known to be of the same family. An `unknown` family is never the same as anything. */
export function sameFamily(a: ModelRef | string, b: ModelRef | string): boolean {
  const fa = toModelRef(a).family;
  return fa !== 'unknown' && fa === toModelRef(b).family;
}

/**
 * True when a judge is known to be of another family than the candidate: both families known and different.
 * This is the check the gates make, failing closed: a model of unknown family could be the candidate's own.
 */
export function isCrossFamily(judge: ModelRef | string, candidate: ModelRef | string): boolean {
  const fj = toModelRef(judge).family;
  const fc = toModelRef(candidate).family;
  return fj !== 'unknown' && fc !== 'unknown' && fj !== fc;
}

function isDeclarableFamily(value: string): value is ModelFamily {
  return value !== 'unknown' && (MODEL_FAMILIES as readonly string[]).includes(value);
}

// Cross-region inference profiles put a geography before the provider: us.anthropic.claude-…, global.…
const GEO_PREFIX = /^(us|us-gov|eu|apac|jp|au|ca|global)\./;
const BEDROCK_MODEL_ID = /^[a-z0-9-]+\.[A-Za-z0-9._:-]+$/;
const BEDROCK_ARN = /^arn:aws(?:-[a-z]+)*:(bedrock|sagemaker):[a-z0-9-]*:(\d{12})?:([a-z-]+)\/(.+)$/;
const LOCAL_NAME = /^[a-z0-9][a-z0-9-]*$/;
const URI_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

function validate(provider: ModelProvider, model: string): string | undefined {
  switch (provider) {
    case 'bedrock': {
      if (model.startsWith('arn:')) {
        return BEDROCK_ARN.test(model) ? undefined : 'not a Bedrock ARN (expected arn:<partition>:bedrock:<region>:<account>:<resource-type>/<id>)';
      }
      return BEDROCK_MODEL_ID.test(model)
        ? undefined
        : 'not a Bedrock model id (expected <provider>.<model>, e.g. anthropic.claude-3-5-sonnet-20240620-v1:0, optionally with a us./eu./apac./global. prefix, or an ARN)';
    }
    case 'openai':
      return undefined;
    case 'local':
      return LOCAL_NAME.test(model) ? undefined : 'a local model name is lowercase letters, digits and dashes (e.g. local:echo)';
    case 'replay': {
      const scheme = URI_SCHEME.exec(model);
      if (scheme === null) return undefined;
      if (scheme[1]!.toLowerCase() !== 's3') return `replay reads s3:// URIs or local paths, not ${scheme[1]}://`;
      return /^s3:\/\/[^/]+\/.+/.test(model) ? undefined : 'an s3:// replay URI needs a bucket and a key';
    }
  }
}

function deriveFamily(provider: ModelProvider, model: string): ModelFamily {
  switch (provider) {
    case 'local':
      return 'local';
    case 'replay':
      return 'replay';
    case 'openai':
      return familyOfName(model);
    case 'bedrock':
      return model.startsWith('arn:') ? familyOfArn(model) : familyOfBedrockId(model);
  }
}

/** Bedrock model providers whose prefix names the family outright. */
const BEDROCK_PROVIDERS: Readonly<Record<string, ModelFamily>> = {
  anthropic: 'anthropic',
  meta: 'meta',
  mistral: 'mistral',
  amazon: 'amazon',
  cohere: 'cohere',
  ai21: 'ai21',
  deepseek: 'deepseek',
  qwen: 'qwen',
  openai: 'openai',
  google: 'google',
  microsoft: 'microsoft',
};

function familyOfBedrockId(id: string): ModelFamily {
  const bare = id.toLowerCase().replace(GEO_PREFIX, '');
  const dot = bare.indexOf('.');
  const vendor = dot > 0 ? bare.slice(0, dot) : '';
  return BEDROCK_PROVIDERS[vendor] ?? familyOfName(bare.slice(dot + 1));
}

// ARNs whose id is opaque: the name says nothing about the weights behind it.
const OPAQUE_ARN_TYPES = new Set(['imported-model', 'provisioned-model', 'application-inference-profile', 'endpoint', 'prompt']);

function familyOfArn(arn: string): ModelFamily {
  const match = BEDROCK_ARN.exec(arn)!;
  const type = match[3]!;
  if (OPAQUE_ARN_TYPES.has(type)) return 'unknown';
  // custom-model/<base model id>/<suffix>, foundation-model/<id>, inference-profile/<id>.
  const first = match[4]!.split('/')[0]!;
  return BEDROCK_MODEL_ID.test(first) ? familyOfBedrockId(first) : 'unknown';
}

/** Hugging Face organisations (`org/model`) that name the family. */
const ORGANISATIONS: Readonly<Record<string, ModelFamily>> = {
  'meta-llama': 'meta',
  facebook: 'meta',
  mistralai: 'mistral',
  qwen: 'qwen',
  'deepseek-ai': 'deepseek',
  google: 'google',
  microsoft: 'microsoft',
  coherelabs: 'cohere',
  cohereforai: 'cohere',
  ai21labs: 'ai21',
  openai: 'openai',
  amazon: 'amazon',
  anthropic: 'anthropic',
};

/**
 * Name rules, first match wins, each matched against the name's tokens (split at / : . - _ and spaces).
 * DeepSeek comes first: its R1 distills carry the base model's name (DeepSeek-R1-Distill-Llama-8B) but were trained
 * on DeepSeek's outputs, which is what self-preference follows.
 */
const NAME_RULES: readonly { family: ModelFamily; token: RegExp }[] = [
  { family: 'deepseek', token: /^deepseek/ },
  { family: 'anthropic', token: /^claude/ },
  { family: 'meta', token: /llama/ },
  { family: 'qwen', token: /^(qwen|qwq|qvq)/ },
  { family: 'mistral', token: /^(mistral|mixtral|codestral|ministral|pixtral|magistral|devstral|voxtral)/ },
  { family: 'google', token: /gemma|^gemini|^palm\d*$|^bison$/ },
  { family: 'amazon', token: /^(nova|titan)$|^nova\d/ },
  { family: 'microsoft', token: /^phi\d*$/ },
  { family: 'ai21', token: /^(jamba|jurassic|j2)/ },
  { family: 'cohere', token: /^(cohere|c4ai|aya)$/ },
  { family: 'openai', token: /^(chatgpt|gpt\d*(o)?|davinci|babbage|whisper)$|^gpt\d/ },
];

// Models named "gpt" that OpenAI did not make (EleutherAI, GPT4All, AI Sweden).
const NOT_OPENAI = /(^|[/:._-])gpt-?(j|neo|neox|sw3|4all)([/:._-]|\d|$)/;
// OpenAI reasoning models: o1, o3-mini, o4-mini-high… only as the whole name's start, never inside another name.
const OPENAI_REASONING = /^o\d+([-:._]|$)/;
// Cohere's Command models: command-r, command-r-plus, command-a, command-light.
const COHERE_COMMAND = /(^|[/:._-])command-(r|a|light)([/:._-]|\d|$)/;

/** The family of a model name as an OpenAI-compatible server or Bedrock would call it. */
export function familyOfName(name: string): ModelFamily {
  let lower = name.toLowerCase();
  // Fine-tunes: ft:<base model>:<org>:<suffix>:<id>. The family is the base model's.
  if (lower.startsWith('ft:')) lower = lower.slice(3).split(':')[0] ?? '';
  const slash = lower.indexOf('/');
  if (slash > 0) {
    const org = ORGANISATIONS[lower.slice(0, slash)];
    if (org !== undefined) return org;
  }
  const base = lower.slice(lower.lastIndexOf('/') + 1);
  if (OPENAI_REASONING.test(base)) return 'openai';
  if (COHERE_COMMAND.test(lower)) return 'cohere';
  const tokens = lower.split(/[/:._\s-]+/).filter((t) => t !== '');
  for (const rule of NAME_RULES) {
    if (rule.family === 'openai' && NOT_OPENAI.test(lower)) continue;
    if (tokens.some((t) => rule.token.test(t))) return rule.family;
  }
  return 'unknown';
}
