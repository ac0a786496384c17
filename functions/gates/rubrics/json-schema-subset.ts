/**
 * A small JSON Schema validator for the keywords an answer-format check needs: type, enum, const, properties,
 * required, additionalProperties, items, min/maxItems, uniqueItems, min/maxProperties, min/maxLength, pattern,
 * minimum, maximum, exclusiveMinimum/Maximum (numbers, as in draft 2020-12), multipleOf, anyOf, oneOf, allOf, not.
 * Annotations (title, description, $schema, $id, $comment, default, examples) are ignored.
 *
 * Any other keyword ($ref, if/then, format…) makes the schema unsupported rather than silently ignored: a check
 * that cannot enforce what its schema says must not pass answers it would have failed.
 */
import { isJsonObject, jsonEqual } from './json-answer';

export type JsonSchema = Record<string, unknown> | boolean;

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);
const ANNOTATIONS = new Set(['title', 'description', '$schema', '$id', '$comment', 'default', 'examples']);
const NON_NEGATIVE_INTEGER = new Set(['minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties']);
const NUMBER = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']);
const SCHEMA_LIST = new Set(['anyOf', 'oneOf', 'allOf']);

/** What is wrong with a schema, as `#/path: problem` lines; empty when the subset can enforce it. */
export function schemaProblems(schema: unknown, path = '#'): string[] {
  if (typeof schema === 'boolean') return [];
  if (!isJsonObject(schema)) return [`${path}: a schema must be an object or a boolean`];
  const problems: string[] = [];
  for (const [keyword, value] of Object.entries(schema)) {
    const at = `${path}/${keyword}`;
    if (ANNOTATIONS.has(keyword)) continue;
    if (keyword === 'type') {
      const types = Array.isArray(value) ? value : [value];
      if (types.length === 0 || !types.every((t) => typeof t === 'string' && TYPES.has(t))) problems.push(`${at}: unknown type ${JSON.stringify(value)}`);
    } else if (keyword === 'enum') {
      if (!Array.isArray(value) || value.length === 0) problems.push(`${at}: must be a non-empty array`);
    } else if (keyword === 'const') {
      // Any JSON value.
    } else if (keyword === 'properties') {
      if (!isJsonObject(value)) problems.push(`${at}: must be an object of schemas`);
      else for (const [name, sub] of Object.entries(value)) problems.push(...schemaProblems(sub, `${at}/${name}`));
    } else if (keyword === 'required') {
      if (!Array.isArray(value) || !value.every((k) => typeof k === 'string')) problems.push(`${at}: must be an array of strings`);
    } else if (keyword === 'additionalProperties' || keyword === 'items' || keyword === 'not') {
      problems.push(...schemaProblems(value, at));
    } else if (SCHEMA_LIST.has(keyword)) {
      if (!Array.isArray(value) || value.length === 0) problems.push(`${at}: must be a non-empty array of schemas`);
      else value.forEach((sub, i) => problems.push(...schemaProblems(sub, `${at}/${i}`)));
    } else if (NON_NEGATIVE_INTEGER.has(keyword)) {
      if (!Number.isInteger(value) || (value as number) < 0) problems.push(`${at}: must be a non-negative integer`);
    } else if (NUMBER.has(keyword)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${at}: must be a number`);
    } else if (keyword === 'multipleOf') {
      if (typeof value !== 'number' || !(value > 0)) problems.push(`${at}: must be a positive number`);
    } else if (keyword === 'uniqueItems') {
      if (typeof value !== 'boolean') problems.push(`${at}: must be a boolean`);
    } else if (keyword === 'pattern') {
      if (typeof value !== 'string') problems.push(`${at}: must be a string`);
      else {
        try {
          new RegExp(value, 'u');
        } catch {
          problems.push(`${at}: invalid regular expression ${JSON.stringify(value)}`);
        }
      }
    } else {
      problems.push(`${at}: keyword not supported`);
    }
  }
  return problems;
}

/**
 * Where `value` breaks `schema`, as `$.path: violation` lines; empty when it conforms. The schema must have passed
 * schemaProblems.
 */
export function schemaViolations(value: unknown, schema: JsonSchema, path = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: no value is allowed here`];
  const s = schema;
  const out: string[] = [];

  if (s.type !== undefined) {
    const types = (Array.isArray(s.type) ? s.type : [s.type]) as string[];
    if (!types.some((t) => hasType(value, t))) {
      out.push(`${path}: expected ${types.join(' or ')}, got ${typeOf(value)}`);
      return out;
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => jsonEqual(e, value))) out.push(`${path}: not one of ${JSON.stringify(s.enum)}`);
  if ('const' in s && !jsonEqual(s.const, value)) out.push(`${path}: must equal ${JSON.stringify(s.const)}`);

  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof s.minLength === 'number' && length < s.minLength) out.push(`${path}: shorter than ${s.minLength} characters`);
    if (typeof s.maxLength === 'number' && length > s.maxLength) out.push(`${path}: longer than ${s.maxLength} characters`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) out.push(`${path}: does not match /${s.pattern}/`);
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) out.push(`${path}: below the minimum ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) out.push(`${path}: above the maximum ${s.maximum}`);
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) out.push(`${path}: not above ${s.exclusiveMinimum}`);
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) out.push(`${path}: not below ${s.exclusiveMaximum}`);
    if (typeof s.multipleOf === 'number') {
      const q = value / s.multipleOf;
      // Tolerate float error: 0.3 is a multiple of 0.1.
      if (Math.abs(q - Math.round(q)) > 1e-9 * Math.max(1, Math.abs(q))) out.push(`${path}: not a multiple of ${s.multipleOf}`);
    }
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) out.push(`${path}: fewer than ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) out.push(`${path}: more than ${s.maxItems} items`);
    if (s.uniqueItems === true && value.some((v, i) => value.findIndex((w) => jsonEqual(v, w)) !== i)) out.push(`${path}: items are not unique`);
    if (s.items !== undefined) value.forEach((v, i) => out.push(...schemaViolations(v, s.items as JsonSchema, `${path}[${i}]`)));
  }
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    if (typeof s.minProperties === 'number' && keys.length < s.minProperties) out.push(`${path}: fewer than ${s.minProperties} properties`);
    if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties) out.push(`${path}: more than ${s.maxProperties} properties`);
    if (Array.isArray(s.required)) for (const k of s.required as string[]) if (!Object.hasOwn(value, k)) out.push(`${path}: missing required property ${JSON.stringify(k)}`);
    const properties = isJsonObject(s.properties) ? s.properties : {};
    for (const k of keys) {
      const child = `${path}.${k}`;
      if (Object.hasOwn(properties, k)) out.push(...schemaViolations(value[k], properties[k] as JsonSchema, child));
      else if (s.additionalProperties !== undefined) {
        if (s.additionalProperties === false) out.push(`${path}: unexpected property ${JSON.stringify(k)}`);
        else out.push(...schemaViolations(value[k], s.additionalProperties as JsonSchema, child));
      }
    }
  }

  if (Array.isArray(s.allOf)) for (const sub of s.allOf as JsonSchema[]) out.push(...schemaViolations(value, sub, path));
  if (Array.isArray(s.anyOf) && !(s.anyOf as JsonSchema[]).some((sub) => schemaViolations(value, sub, path).length === 0)) {
    out.push(`${path}: matches none of anyOf`);
  }
  if (Array.isArray(s.oneOf)) {
    const matching = (s.oneOf as JsonSchema[]).filter((sub) => schemaViolations(value, sub, path).length === 0).length;
    if (matching !== 1) out.push(`${path}: matches ${matching} of oneOf, expected exactly 1`);
  }
  if (s.not !== undefined && schemaViolations(value, s.not as JsonSchema, path).length === 0) out.push(`${path}: matches the schema under not`);
  return out;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isJsonObject(value);
    default:
      return false;
  }
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isInteger(value)) return 'integer';
  return typeof value;
}
