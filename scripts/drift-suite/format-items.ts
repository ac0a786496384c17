/**
 * The `format` axis: instructions whose form code can verify (word and sentence counts, casing, required and
 * forbidden words, bullet counts, JSON keys and schemas, Markdown tables, exact endings), on seeded topics.
 */
import type { DriftItem } from '../../functions/gates/drift-suite';
import type { SeededRandom } from '../../functions/gates/seeded-random';

interface Topic {
  topic: string;
  /** Words an answer about the topic would naturally use: candidates for a forbidden-words instruction. */
  related: readonly string[];
}

const TOPICS: readonly Topic[] = [
  { topic: 'the ocean', related: ['water', 'blue', 'waves', 'sea'] },
  { topic: 'coffee', related: ['caffeine', 'beans', 'cup', 'drink'] },
  { topic: 'bicycles', related: ['wheels', 'pedal', 'ride', 'bike'] },
  { topic: 'the moon', related: ['night', 'sky', 'lunar', 'earth'] },
  { topic: 'rain', related: ['water', 'clouds', 'wet', 'weather'] },
  { topic: 'public libraries', related: ['books', 'read', 'reading', 'quiet'] },
  { topic: 'honeybees', related: ['honey', 'flowers', 'hive', 'insects'] },
  { topic: 'winter', related: ['snow', 'cold', 'ice', 'season'] },
  { topic: 'trains', related: ['rail', 'tracks', 'station', 'travel'] },
  { topic: 'gardening', related: ['plants', 'soil', 'seeds', 'grow'] },
  { topic: 'chess', related: ['pieces', 'board', 'king', 'game'] },
  { topic: 'volcanoes', related: ['lava', 'eruption', 'magma', 'mountain'] },
  { topic: 'baking bread', related: ['flour', 'yeast', 'bake', 'oven'] },
  { topic: 'music', related: ['sound', 'song', 'notes', 'melody'] },
  { topic: 'forests', related: ['trees', 'wood', 'leaves', 'green'] },
  { topic: 'the night sky', related: ['stars', 'dark', 'moon', 'planets'] },
];

const KEYWORDS = ['history', 'future', 'surprising', 'community', 'balance', 'patience', 'curious', 'simple', 'everyday', 'careful'];

const TABLES: readonly { subject: string; rows: readonly string[]; columns: readonly string[] }[] = [
  { subject: 'three programming languages: Python, JavaScript and Rust', rows: ['Python', 'JavaScript', 'Rust'], columns: ['Typing', 'Typical use'] },
  { subject: 'three planets: Mercury, Venus and Mars', rows: ['Mercury', 'Venus', 'Mars'], columns: ['Order from the Sun', 'Number of moons'] },
  { subject: 'three fruits: apple, banana and orange', rows: ['Apple', 'Banana', 'Orange'], columns: ['Color', 'Typical season'] },
  { subject: 'three pets: cat, dog and rabbit', rows: ['Cat', 'Dog', 'Rabbit'], columns: ['Average lifespan', 'Diet'] },
  { subject: 'three musical instruments: piano, violin and drums', rows: ['Piano', 'Violin', 'Drums'], columns: ['Family', 'Difficulty for beginners'] },
  { subject: 'three means of transport: bicycle, car and train', rows: ['Bicycle', 'Car', 'Train'], columns: ['Typical speed', 'Emissions'] },
];

const RECORDS: readonly { ask: string; schema: Record<string, unknown> }[] = [
  {
    ask: 'a well-known novel, with the keys "title" (string), "author" (string) and "year" (integer, the year of first publication)',
    schema: strictObject({ title: { type: 'string', minLength: 1 }, author: { type: 'string', minLength: 1 }, year: { type: 'integer', minimum: 0, maximum: 2100 } }),
  },
  {
    ask: 'a country, with the keys "name" (string), "capital" (string) and "continents" (an array of at least one string)',
    schema: strictObject({ name: { type: 'string', minLength: 1 }, capital: { type: 'string', minLength: 1 }, continents: { type: 'array', items: { type: 'string' }, minItems: 1 } }),
  },
  {
    ask: 'a chemical element, with the keys "name" (string), "symbol" (string of one to three letters) and "atomicNumber" (integer from 1 to 118)',
    schema: strictObject({ name: { type: 'string', minLength: 1 }, symbol: { type: 'string', pattern: '^[A-Za-z]{1,3}$' }, atomicNumber: { type: 'integer', minimum: 1, maximum: 118 } }),
  },
  {
    ask: 'a simple recipe, with the keys "dish" (string), "servings" (positive integer) and "ingredients" (an array of at least three strings)',
    schema: strictObject({ dish: { type: 'string', minLength: 1 }, servings: { type: 'integer', minimum: 1 }, ingredients: { type: 'array', items: { type: 'string' }, minItems: 3 } }),
  },
];

const ENDINGS = ['Thank you for reading.', 'That is all for now.', 'End of summary.', 'I hope this helps.'];

function strictObject(properties: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', required: Object.keys(properties), properties, additionalProperties: false };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

type Instruction = (r: SeededRandom) => { prompt: string; check: DriftItem['check'] };

const quoteList = (words: readonly string[]): string => words.map((w) => `"${w}"`).join(' and ');

const INSTRUCTIONS: readonly Instruction[] = [
  (r) => {
    const { topic } = r.pick(TOPICS);
    const min = r.between(4, 9) * 10;
    const max = min + r.pick([20, 30, 40]);
    return { prompt: `Write a short description of ${topic} in ${min} to ${max} words.`, check: { rubric: 'word-count', min, max } };
  },
  (r) => {
    const { topic } = r.pick(TOPICS);
    const max = r.pick([15, 20, 25, 30]);
    return { prompt: `In fewer than ${max + 1} words, tell me one interesting fact about ${topic}.`, check: { rubric: 'word-count', min: 1, max } };
  },
  (r) => {
    const { topic } = r.pick(TOPICS);
    const k = r.between(2, 5);
    return { prompt: `Explain what makes ${topic} interesting in exactly ${k} sentences.`, check: { rubric: 'sentence-count', min: k, max: k } };
  },
  (r) => {
    const { topic } = r.pick(TOPICS);
    return {
      prompt: `Describe ${topic} in two or three sentences. Write your entire answer in lowercase letters only, with no capital letters at all.`,
      check: { rubric: 'casing', case: 'lower' },
    };
  },
  (r) => {
    const { topic } = r.pick(TOPICS);
    return {
      prompt: `Write one or two sentences about ${topic}. Your entire answer must be in CAPITAL LETTERS, with no lowercase letters at all.`,
      check: { rubric: 'casing', case: 'upper' },
    };
  },
  (r) => {
    const { topic } = r.pick(TOPICS);
    const keywords = r.shuffle(KEYWORDS).slice(0, 2);
    return {
      prompt: `Write a short paragraph about ${topic} that uses the words ${quoteList(keywords)}.`,
      check: { rubric: 'required-keywords', keywords },
    };
  },
  (r) => {
    const { topic, related } = r.pick(TOPICS);
    const words = r.shuffle(related).slice(0, 2);
    return {
      prompt: `Describe ${topic} in a few sentences without using the words ${words.map((w) => `"${w}"`).join(' or ')}.`,
      check: { rubric: 'forbidden-words', words },
    };
  },
  (r) => {
    const { topic } = r.pick(TOPICS);
    const k = r.between(3, 6);
    return {
      prompt: `List exactly ${k} reasons people enjoy ${topic}, as Markdown bullet points (each line starting with "- "), and nothing else.`,
      check: { rubric: 'bullet-count', min: k, max: k },
    };
  },
  (r) => {
    const { topic } = r.pick(TOPICS);
    const keys = r.pick([
      ['name', 'summary', 'tags'],
      ['title', 'description', 'difficulty'],
      ['topic', 'facts', 'sources'],
    ]);
    return {
      prompt: `Reply with only a JSON object about ${topic} with exactly the keys ${keys.map((k) => `"${k}"`).join(', ')}, and no other keys or text.`,
      check: { rubric: 'json-keys', keys, exact: true },
    };
  },
  (r) => {
    const record = r.pick(RECORDS);
    return { prompt: `Reply with only a JSON object describing ${record.ask}. No other text.`, check: { rubric: 'json-schema', schema: record.schema } };
  },
  (r) => {
    const table = r.pick(TABLES);
    const columns = ['Name', ...table.columns];
    return {
      prompt: `Make a Markdown table comparing ${table.subject}. Use the columns ${columns.map((c) => `"${c}"`).join(', ')}, with one row per item and the item's name in the "Name" column.`,
      check: { rubric: 'markdown-table', columns, rows: [...table.rows] },
    };
  },
  (r) => {
    const { topic } = r.pick(TOPICS);
    const ending = r.pick(ENDINGS);
    return {
      prompt: `Summarise what most people know about ${topic} in two sentences, then end your answer with the exact sentence "${ending}"`,
      check: { rubric: 'regex', pattern: `${escapeRegExp(ending)}$` },
    };
  },
];

export function formatItems(random: SeededRandom, perInstruction = 4): DriftItem[] {
  const items: DriftItem[] = [];
  for (let round = 0; round < perInstruction; round++) {
    for (const instruction of INSTRUCTIONS) {
      const { prompt, check } = instruction(random);
      items.push({ id: '', axis: 'format', messages: [{ role: 'user', content: prompt }], check });
    }
  }
  return random.shuffle(items).map((item, i) => ({ ...item, id: `format-${String(i + 1).padStart(3, '0')}` }));
}
