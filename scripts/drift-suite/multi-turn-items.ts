/**
 * The `multi_turn` axis: a constraint stated in the first user turn ("write every reply in lowercase"), one or two
 * scripted exchanges in which the assistant keeps it, then a new question that does not repeat it. The check
 * verifies the constraint on the answer to that last question: whether the model still follows an instruction
 * given earlier in the conversation.
 */
import type { DriftItem } from '../../functions/gates/drift-suite';
import type { SeededRandom } from '../../functions/gates/seeded-random';

interface Question {
  q: string;
  /** A short answer (under 30 words, without the word "very"). */
  short: string;
  /** Three short facts, for bullet-point replies. */
  facts: readonly [string, string, string];
}

const QUESTIONS: readonly Question[] = [
  {
    q: 'What is photosynthesis?',
    short: 'Photosynthesis is how plants use sunlight, water and carbon dioxide to make sugar, releasing oxygen as a by-product.',
    facts: ['Plants capture sunlight with chlorophyll.', 'They turn water and carbon dioxide into sugar.', 'Oxygen is released as a by-product.'],
  },
  {
    q: 'Why is the sky blue?',
    short: 'Air molecules scatter short blue wavelengths of sunlight much more than red ones, so blue light reaches our eyes from every direction.',
    facts: ['Sunlight contains all colours.', 'Air scatters blue light more than red light.', 'Scattered blue light comes from all over the sky.'],
  },
  {
    q: 'How do vaccines work?',
    short: 'Vaccines show the immune system a harmless piece or version of a germ, so it learns to recognise and fight the real germ later.',
    facts: ['A vaccine carries a harmless part of a germ.', 'The immune system learns to recognise it.', 'Later infections are fought off faster.'],
  },
  {
    q: 'What causes ocean tides?',
    short: "Tides are caused mainly by the Moon's gravity pulling on the oceans, with a smaller pull from the Sun.",
    facts: ["The Moon's gravity pulls on the oceans.", 'The Sun adds a smaller pull.', 'Earth rotates through the resulting bulges.'],
  },
  {
    q: 'What is a prime number?',
    short: 'A prime number is a whole number greater than one whose only divisors are one and itself, such as 2, 3, 5 and 7.',
    facts: ['It is a whole number greater than one.', 'Its only divisors are one and itself.', 'Examples are 2, 3, 5 and 7.'],
  },
  {
    q: 'How does a refrigerator keep food cold?',
    short: 'A refrigerator pumps a refrigerant that absorbs heat inside the cabinet as it evaporates and releases it outside as it condenses.',
    facts: ['A refrigerant circulates through pipes.', 'It absorbs heat inside as it evaporates.', 'It releases that heat outside as it condenses.'],
  },
  {
    q: 'What is the difference between weather and climate?',
    short: 'Weather is the state of the atmosphere over hours or days; climate is the average pattern of weather over decades.',
    facts: ['Weather describes hours or days.', 'Climate describes decades.', 'Climate is the long-term average of weather.'],
  },
  {
    q: 'Why do leaves change colour in autumn?',
    short: 'In autumn trees stop making green chlorophyll, revealing yellow and orange pigments, and some produce new red pigments.',
    facts: ['Trees stop making chlorophyll.', 'Yellow and orange pigments become visible.', 'Some trees make new red pigments.'],
  },
  {
    q: 'What does a compiler do?',
    short: 'A compiler translates source code written by programmers into machine code or another lower-level form that a computer can run.',
    facts: ['It reads source code.', 'It checks the code for errors.', 'It produces code a machine can run.'],
  },
  {
    q: 'How do airplanes stay in the air?',
    short: 'Wings are shaped and angled so that moving air produces lift, an upward force that balances the weight of the plane.',
    facts: ['Engines push the plane forward.', 'Air flowing over the wings creates lift.', 'Lift balances the weight of the plane.'],
  },
  {
    q: 'What is inflation?',
    short: 'Inflation is the general rise in prices over time, which means each unit of money buys a little less than before.',
    facts: ['Prices rise across the economy.', 'Money buys less than it used to.', 'Central banks try to keep it low and stable.'],
  },
  {
    q: 'Why do cats purr?',
    short: 'Cats purr by vibrating muscles in their larynx, often when content, but also to soothe themselves when stressed or hurt.',
    facts: ['Purring comes from muscles in the larynx.', 'Cats often purr when content.', 'They also purr to soothe themselves.'],
  },
];

interface Constraint {
  /** The instruction, stated once at the start. */
  instruction: string;
  /** A reply to a question that keeps the constraint. */
  reply(q: Question): string;
  check: DriftItem['check'];
}

const CONSTRAINTS: readonly Constraint[] = [
  {
    instruction: 'For the rest of this conversation, write every reply entirely in lowercase letters, with no capital letters at all.',
    reply: (q) => q.short.toLowerCase(),
    check: { rubric: 'casing', case: 'lower' },
  },
  {
    instruction: 'From now on, write every reply in CAPITAL LETTERS only.',
    reply: (q) => q.short.toUpperCase(),
    check: { rubric: 'casing', case: 'upper' },
  },
  {
    instruction: 'From now on, keep every reply under 40 words.',
    reply: (q) => q.short,
    check: { rubric: 'word-count', min: 1, max: 39 },
  },
  {
    instruction: 'End every reply you give me from now on with the exact words "Over and out."',
    reply: (q) => `${q.short} Over and out.`,
    check: { rubric: 'regex', pattern: 'Over and out\\.$' },
  },
  {
    instruction: 'Start every reply you give me from now on with "Noted:" followed by your answer.',
    reply: (q) => `Noted: ${q.short}`,
    check: { rubric: 'regex', pattern: '^Noted:' },
  },
  {
    instruction:
      'From now on, answer every question with only a JSON object with two keys: "answer" (a string) and "confidence" (a number from 0 to 1). No other text.',
    reply: (q) => JSON.stringify({ answer: q.short, confidence: 0.9 }),
    check: {
      rubric: 'json-schema',
      schema: {
        type: 'object',
        required: ['answer', 'confidence'],
        properties: { answer: { type: 'string', minLength: 1 }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
        additionalProperties: false,
      },
    },
  },
  {
    instruction: 'Please never use the word "very" in any of your replies.',
    reply: (q) => q.short,
    check: { rubric: 'forbidden-words', words: ['very'] },
  },
  {
    instruction: 'Format every reply from now on as exactly three Markdown bullet points (lines starting with "- "), and nothing else.',
    reply: (q) => q.facts.map((f) => `- ${f}`).join('\n'),
    check: { rubric: 'bullet-count', min: 3, max: 3 },
  },
];

export function multiTurnItems(random: SeededRandom, perConstraint = 6): DriftItem[] {
  const items: DriftItem[] = [];
  for (let round = 0; round < perConstraint; round++) {
    for (const constraint of CONSTRAINTS) {
      const earlier = random.between(1, 2);
      const questions = random.shuffle(QUESTIONS).slice(0, earlier + 1);
      const messages: DriftItem['messages'] = [];
      questions.slice(0, earlier).forEach((q, i) => {
        messages.push({ role: 'user', content: i === 0 ? `${constraint.instruction} First question: ${q.q}` : q.q });
        messages.push({ role: 'assistant', content: constraint.reply(q) });
      });
      messages.push({ role: 'user', content: questions[earlier]!.q });
      items.push({ id: '', axis: 'multi_turn', messages, check: constraint.check });
    }
  }
  return random.shuffle(items).map((item, i) => ({ ...item, id: `multi_turn-${String(i + 1).padStart(3, '0')}` }));
}
