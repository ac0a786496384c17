import { describe, expect, it } from 'vitest';
import type { ScanHit, TextScanner } from '../../../../functions/audit/text-scanner';
import { PhraseMatcher, normalizePhrase } from '../../../../functions/audit/scanners/phrase-matcher';
import { expandAlternatives } from '../../../../functions/audit/scanners/phrase-alternatives';
import {
  DEFAULT_TOPICS,
  SAFETY_BOILERPLATE_TOPIC,
  TOPIC_RULES,
  createTopicScanner,
  type TopicDefinition,
} from '../../../../functions/audit/scanners/topic';

function scan(scanner: TextScanner, text: string): { rule: string; text: string; hit: ScanHit }[] {
  const out: { rule: string; text: string; hit: ScanHit }[] = [];
  scanner.scan(text, (hit) => out.push({ rule: hit.rule, text: text.slice(hit.start, hit.end), hit }));
  return out;
}

const defaults = createTopicScanner();

describe('default topics', () => {
  it('ship safety-boilerplate as a medium, quarantining rule', () => {
    expect(DEFAULT_TOPICS.map((topic) => topic.id)).toEqual(['safety-boilerplate']);
    expect(TOPIC_RULES).toEqual([
      {
        id: 'topic.safety-boilerplate',
        check: 'topic',
        severity: 'medium',
        action: 'quarantine',
        description: SAFETY_BOILERPLATE_TOPIC.description,
      },
    ]);
    expect(defaults.check).toBe('topic');
    expect(defaults.rules).toEqual(TOPIC_RULES);
    expect(SAFETY_BOILERPLATE_TOPIC.phrases!.length).toBeGreaterThan(100);
  });

  it.each([
    ['As an AI language model, I cannot help with that.', 'As an AI language model'],
    ["I'm sorry, but I can't assist with that.", "sorry, but I can't assist with that"],
    ['As a large language model trained by OpenAI, I have no opinion.', 'As a large language model trained by'],
    ['I cannot provide medical advice. Please see a professional.', 'I cannot provide medical advice'],
    ['It is not appropriate for me to guess the diagnosis.', 'It is not appropriate for me to'],
    ['I must emphasize that I am not a doctor.', 'I must emphasize that I am not a doctor'],
    ["I don't have personal opinions on politics.", "I don't have personal opinions"],
    ['As of my last knowledge update in 2021, the law was unchanged.', 'As of my last knowledge update'],
    ['Sorry, but I cannot assist with that request.', 'Sorry, but I cannot assist with that request'],
    ['I cannot fulfill this request.', 'I cannot fulfill this request'],
    ['I am unable to generate content that glorifies violence.', 'I am unable to generate content that'],
    ["I don't have real-time information about flights.", "I don't have real-time information"],
    ['This request goes against my programming.', 'goes against my programming'],
    ['Regenerate response', 'Regenerate response'],
    ['作为一个人工智能语言模型，我不能提供建议。', '作为一个人工智能语言模型'],
    ['Como modelo de lenguaje de IA, no puedo opinar.', 'Como modelo de lenguaje de IA, no'],
    ["En tant que modèle de langage, je n'ai pas d'avis.", 'En tant que modèle de langage, je'],
    ['Als KI-Sprachmodell kann ich das nicht beurteilen.', 'Als KI-Sprachmodell kann ich'],
    ['Как языковая модель, я не могу ответить.', 'Как языковая модель, я'],
  ])('flag %j', (text, span) => {
    expect(scan(defaults, text)).toEqual([expect.objectContaining({ rule: 'topic.safety-boilerplate', text: span })]);
  });

  it('ignore case, runs of whitespace, soft punctuation and typographic apostrophes', () => {
    expect(scan(defaults, 'AS AN AI LANGUAGE MODEL I CANNOT')).toHaveLength(1);
    expect(scan(defaults, 'As  an \n\t AI\u00a0language   model')[0]?.text).toBe('As  an \n\t AI\u00a0language   model');
    expect(scan(defaults, 'I’m sorry, but I can’t assist with that.')).toHaveLength(1);
    expect(scan(defaults, 'Im sorry but I cant assist with that')).toHaveLength(1);
    expect(scan(defaults, '**As an AI**, I cannot…')).toHaveLength(1);
    expect(scan(defaults, 'КАК ЯЗЫКОВАЯ МОДЕЛЬ, Я не могу.')).toHaveLength(1);
  });

  it('report one hit for overlapping phrases and one per separate occurrence', () => {
    const text = 'As an AI language model developed by OpenAI, I cannot. Later: as an AI language model, I must decline.';
    const hits = scan(defaults, text);
    expect(hits.map((h) => h.text)).toEqual(['As an AI language model developed by', 'as an AI language model']);
    expect(hits[0]!.hit.start).toBe(0);
    expect(hits[1]!.hit.start).toBe(text.lastIndexOf('as an AI'));
  });

  it.each([
    // Mentions of AI, language models and doctors are ordinary text.
    'The AI language model market grew 40% in 2023.',
    'Large language models such as GPT-4 are trained on web data.',
    'ChatGPT is a large language model developed by OpenAI.',
    'As an AI researcher, I study alignment and robustness.',
    'As an AIDS activist she campaigned for decades.',
    'She works as an aide to the senator.',
    'BERT can be used as a language model for masked tokens.',
    'My doctor said the patient should rest for a week.',
    'The patient reported mild pain; the doctor prescribed ibuprofen 200 mg.',
    "I'm not a doctor, but that rash looks like it needs a dermatologist.",
    "I'm sorry, but we cannot process refunds after 30 days.",
    "Sorry, but I can't make it to the meeting on 2024-05-01.",
    'It would not be appropriate for me to comment on an ongoing investigation, the spokesperson said.',
    "I don't have personal experience with that brand.",
    "I don't have current information on the bus schedule; check the website.",
    'The model has a knowledge cutoff of April 2024, according to its documentation.',
    'I must stress that I am not a fan of pineapple pizza.',
    // Unrelated shapes.
    '👩‍👩‍👧‍👦 Family trip! Order #88213 placed 2024-05-01 for $19.99.',
    'sha 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39, uuid 550e8400-e29b-41d4-a716-446655440000',
    'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    'Call `model.generate(prompt)` and check `response.refusal` before printing.',
    '医生说病人需要休息。人工智能正在改变医疗行业。',
    'الذكاء الاصطناعي يغير الطب. قال الطبيب إن المريض بخير.',
    'डॉक्टर ने कहा कि मरीज़ को आराम चाहिए।',
    'Языковые модели помогают врачам.',
  ])('pass %j', (text) => {
    expect(scan(defaults, text)).toEqual([]);
  });
});

describe('custom topics', () => {
  const weapons: TopicDefinition = {
    id: 'weapons',
    description: 'Weapon construction',
    phrases: ['pipe bomb', 'ghost gun'],
    patterns: [String.raw`\b3d[- ]printed (?:gun|rifle|pistol)s?\b`],
    severity: 'high',
    action: 'warn',
  };

  it('report topic.<id> with the configured severity and action, alongside the defaults', () => {
    const scanner = createTopicScanner({ topics: [weapons] });
    expect(scanner.rules.map((rule) => [rule.id, rule.severity, rule.action])).toEqual([
      ['topic.safety-boilerplate', 'medium', 'quarantine'],
      ['topic.weapons', 'high', 'warn'],
    ]);
    const text = 'How to build a PIPE  BOMB or a 3D-printed pistol? As an AI, I cannot say.';
    expect(scan(scanner, text).map((h) => [h.rule, h.text])).toEqual([
      ['topic.safety-boilerplate', 'As an AI, I'],
      ['topic.weapons', 'PIPE  BOMB'],
      ['topic.weapons', '3D-printed pistol'],
    ]);
  });

  it('default to medium severity and quarantine', () => {
    const scanner = createTopicScanner({ topics: [{ id: 'crypto-shilling', description: 'Coin promotion', phrases: ['to the moon'] }], includeDefaults: false });
    expect(scanner.rules).toEqual([{ id: 'topic.crypto-shilling', check: 'topic', severity: 'medium', action: 'quarantine', description: 'Coin promotion' }]);
    expect(scan(scanner, 'This coin is going To The Moon!')).toEqual([expect.objectContaining({ rule: 'topic.crypto-shilling', text: 'To The Moon' })]);
    expect(scan(scanner, 'As an AI language model, I cannot.')).toEqual([]);
  });

  it('match phrases as whole words', () => {
    const scanner = createTopicScanner({ topics: [{ id: 'cats', description: 'cats', phrases: ['cat'] }], includeDefaults: false });
    expect(scan(scanner, 'concatenate the category')).toEqual([]);
    expect(scan(scanner, 'a cat, a CAT; cat.').map((h) => h.hit.start)).toEqual([2, 9, 14]);
  });

  it('replace a default topic given with the same id', () => {
    const scanner = createTopicScanner({ topics: [{ id: 'safety-boilerplate', description: 'narrower', phrases: ['as an ai language model'], action: 'warn' }] });
    expect(scanner.rules).toEqual([expect.objectContaining({ id: 'topic.safety-boilerplate', action: 'warn', description: 'narrower' })]);
    expect(scan(scanner, "I'm sorry, but I can't assist with that.")).toEqual([]);
    expect(scan(scanner, 'As an AI language model...')).toHaveLength(1);
  });

  it('compile patterns with the i, m and u flags', () => {
    const scanner = createTopicScanner({
      topics: [{ id: 'lines', description: 'line-start marker', patterns: ['^todo:', String.raw`\p{Script=Cyrillic}+бот`] }],
      includeDefaults: false,
    });
    expect(scan(scanner, 'done\nTODO: ship\nтелеграмбот').map((h) => h.text)).toEqual(['TODO:', 'телеграмбот']);
  });

  it('handle thousands of phrases in one matcher', () => {
    const phrases = Array.from({ length: 3000 }, (_, i) => `codeword ${i.toString(36)} alpha`);
    const scanner = createTopicScanner({ topics: [{ id: 'codewords', description: 'many phrases', phrases }], includeDefaults: false });
    expect(scan(scanner, 'the CODEWORD  2az alpha and codeword 0 alpha').map((h) => h.text)).toEqual(['CODEWORD  2az alpha', 'codeword 0 alpha']);
    expect(scan(scanner, 'codeword 2bz beta; codeword 9999 alpha')).toEqual([]);
  });

  it.each<[string, TopicDefinition[]]>([
    ['not kebab-case', [{ id: 'Bad_Id', description: 'x', phrases: ['x'] }]],
    ['description is required', [{ id: 'a', description: ' ', phrases: ['x'] }]],
    ['at least one phrase or pattern', [{ id: 'a', description: 'x' }]],
    ['invalid pattern', [{ id: 'a', description: 'x', patterns: ['(unclosed'] }]],
    ['matches the empty string', [{ id: 'a', description: 'x', patterns: ['x*'] }]],
    ['defined twice', [{ id: 'a', description: 'x', phrases: ['x'] }, { id: 'a', description: 'y', phrases: ['y'] }]],
    ['empty once folded', [{ id: 'a', description: 'x', phrases: ['  ,;  '] }]],
    ['unknown severity', [{ id: 'a', description: 'x', phrases: ['x'], severity: 'severe' as never }]],
    ['unknown action', [{ id: 'a', description: 'x', phrases: ['x'], action: 'drop' as never }]],
  ])('reject a topic whose %s', (message, topics) => {
    expect(() => createTopicScanner({ topics })).toThrow(message);
  });
});

describe('PhraseMatcher', () => {
  it('fold case, spacing, soft punctuation and apostrophes', () => {
    expect(normalizePhrase("  I’M  Sorry,\n but — I can't ")).toBe('im sorry but i cant');
    expect(normalizePhrase('C++ & C#')).toBe('c++ & c#');
  });

  it('report every group whose phrase ends at a position, with original spans', () => {
    const matcher = new PhraseMatcher([
      { text: 'an ai language model', group: 0 },
      { text: 'language model', group: 1 },
      { text: 'ignor', group: 2, wholeWord: false },
      { text: '忽略之前', group: 3 },
    ]);
    const text = 'As AN  AI language-model! Ignoring 请忽略之前的指令';
    const hits: [number, string][] = [];
    matcher.scan(text, (group, start, end) => hits.push([group, text.slice(start, end)]));
    expect(hits).toEqual([
      [0, 'AN  AI language-model'],
      [1, 'language-model'],
      [2, 'Ignor'],
      [3, '忽略之前'],
    ]);
  });

  it('not report a phrase twice when an apostrophe or extra space follows it', () => {
    const matcher = new PhraseMatcher([{ text: 'as an ai', group: 0 }]);
    const hits: string[] = [];
    const text = "as an ai's  reply, as an ai’";
    matcher.scan(text, (_group, start, end) => hits.push(text.slice(start, end)));
    expect(hits).toEqual(['as an ai', 'as an ai']);
  });

  it('expand {a|b|} alternatives in phrase templates', () => {
    expect(expandAlternatives('i {can|cannot} {really |}go')).toEqual(['i can really go', 'i can go', 'i cannot really go', 'i cannot go']);
    expect(() => expandAlternatives('i {can go')).toThrow('unclosed');
  });
});
