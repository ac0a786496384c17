import { expandAllAlternatives } from './phrase-alternatives';
import type { TopicDefinition } from './topic';

/*
 * Phrases are first-person and model-specific on purpose: text that merely mentions AI, a language model or a
 * doctor must pass, while the reflexes a chat model leaves in generated data must not. A fine-tune trained on
 * these learns to refuse; one medical summarizer learned to refuse any text containing the word "patient".
 * Apostrophes, case, spacing and soft punctuation are folded by the matcher, so "I’m sorry,  but" needs no variant.
 */

const I_CANNOT = "{i cannot|i can't|i am unable to|i'm unable to|i am not able to|i'm not able to}";
const I_DO_NOT_HAVE = "{i don't have|i do not have}";
const I_AM = "{i am|i'm}";
const PROFESSIONAL =
  '{doctor|medical professional|healthcare professional|lawyer|legal professional|financial advisor|therapist|licensed professional}';

const SAFETY_BOILERPLATE_TEMPLATES: readonly string[] = [
  // AI self-identification used as a preamble or an excuse.
  'as an ai language model',
  'as an ai {model|assistant|chatbot}, i',
  'as an ai, i',
  'as an ai {developed|created|trained|designed|built|made} by',
  'as an ai language model {developed|created|trained|designed|built|made} by',
  'as a {large |}language model, i',
  'as a {large |}language model {developed|created|trained|designed|built|made} by',
  'as a {machine learning|virtual|digital} {model|assistant}, i',
  'as an artificial intelligence, i',
  'as {a responsible|an ethical|a helpful and harmless} {ai|assistant|language model}',
  `${I_AM} {an ai language model|a large language model|an artificial intelligence language model}`,
  `${I_AM} a language model {trained|developed|created|designed|built|made|and|so|but|i|that|without|with no}`,
  `${I_AM} {just|only|merely|simply} {an ai|a language model|a computer program|an ai model|an ai assistant|a machine|a bot}`,
  `${I_AM} {chatgpt|gpt-4|gpt-3.5|gpt-3|claude|bard|gemini}, {a large language model|an ai|a language model|an ai assistant}`,
  '{i was|i have been} {trained|developed|created} by {openai|anthropic}',
  // Knowledge cut-off and capability disclaimers.
  'as of my {last |latest |most recent |}{knowledge |training |}{update|cutoff|cut-off|cut off|training data}',
  'my knowledge {cutoff|cut-off|cut off} {is|date|of}',
  'my training data {only |}{goes|extends|runs|is current|is only current} {up |}{to|until|through}',
  'my {last|latest} training {update|cut-off|cutoff}',
  // Not "current information": a support agent says that too.
  `${I_DO_NOT_HAVE} {real-time|realtime} {access|information|data|browsing}`,
  `${I_DO_NOT_HAVE} access to {real-time|realtime} {information|data|updates|events}`,
  `${I_DO_NOT_HAVE} the {ability|capability} to {browse|access|search} the {internet|web}`,
  `${I_DO_NOT_HAVE} browsing {capabilities|capability|access}`,
  `${I_CANNOT} browse the {internet|web}`,
  // "Personal opinions" and feelings disclaimers.
  `${I_DO_NOT_HAVE} personal {opinions|beliefs|preferences|feelings|emotions|views|experiences or|opinions or|biases}`,
  `${I_DO_NOT_HAVE} {feelings|emotions|consciousness} {like humans|like a human|in the same way|the way humans|or personal|or opinions}`,
  `${I_DO_NOT_HAVE} the {ability|capacity} to {experience emotions|have opinions|form opinions|hold opinions|have personal}`,
  `${I_DO_NOT_HAVE} a physical {body|form}`,
  `${I_CANNOT} {have|hold|form|express} personal {opinions|beliefs|preferences}`,
  `${I_AM} not capable of {feeling|experiencing|having} {emotions|personal opinions}`,
  // Reflexive refusals.
  `{sorry|i apologize|i apologise}, {but |}${I_CANNOT} assist {you |}with {that|this}`,
  `${I_CANNOT} assist {you |}with {that|this|your} request`,
  `${I_CANNOT} {fulfill|fulfil|comply with} {that|this|your|such a} request`,
  `{i won't|i will not} {fulfill|fulfil|comply with} {that|this|your|such a} request`,
  `${I_CANNOT} {generate|create|produce} {content|responses|material|text} that`,
  `${I_CANNOT} {generate|create|produce} {that|this|such} {content|response|kind of content|type of content}`,
  `${I_CANNOT} provide assistance {with|on} {illegal|harmful|such}`,
  `${I_CANNOT} {provide|give|offer} {medical|professional medical} {advice|diagnoses|diagnosis}`,
  // Not "it would not be appropriate for me to comment": that is a press officer, not a model.
  `{it is not|it's not|it isn't} {appropriate|ethical} for me to`,
  'it is not within my {programming|capabilities|guidelines} to',
  '{goes |}against my {programming|guidelines|ethical guidelines|content policy|content policies}',
  'my {programming|guidelines|ethical guidelines|content policy} {does not|doesn\'t|do not|don\'t|would not|wouldn\'t} {allow|permit}',
  `${I_AM} programmed to {be|follow|provide|avoid|assist|prioritize|prioritise|adhere|refuse|decline}`,
  // "I'm not a doctor" said by a model, not by a forum poster: only with the emphasis a model adds.
  `i {must|should} {emphasize|emphasise|stress|point out|note|clarify|remind you} that ${I_AM} not a ${PROFESSIONAL}`,
  `as an ai, ${I_AM} not a ${PROFESSIONAL}`,
  // Chat UI text pasted along with an answer.
  'regenerate response',
  'chatgpt can make mistakes',
  'chatgpt may produce inaccurate information',
  // The same preambles in languages they are often machine-translated into.
  '作为一个{人工智能|ai|AI}语言模型',
  '作为{一个|}{人工智能|ai}{助手|模型}，我',
  '作为一个语言模型',
  '我是一个{人工智能|ai}语言模型',
  '作為一個{人工智能|人工智慧|ai}語言模型',
  'como {un |}modelo de lenguaje{ de ia| de inteligencia artificial|}, {no|yo}',
  'como una {ia|inteligencia artificial}, no',
  "en tant que {modèle de langage|modèle de langage d'ia|ia|intelligence artificielle}, je",
  'als {ki-sprachmodell|sprachmodell|künstliche intelligenz|ki} {kann ich|habe ich|bin ich}',
  'как языковая модель{ ии|}, я',
  'как {искусственный интеллект|ии}, я не',
  '{ai|AI}言語モデルとして',
];

export const SAFETY_BOILERPLATE_TOPIC: TopicDefinition = {
  id: 'safety-boilerplate',
  description:
    'Reflexive refusals and AI disclaimers left in generated data ("As an AI language model, I cannot…", "I\'m sorry, but I can\'t assist with that"); a model trained on them learns to refuse.',
  phrases: expandAllAlternatives(SAFETY_BOILERPLATE_TEMPLATES),
  severity: 'medium',
  action: 'quarantine',
};

/** Topics the topic scanner runs unless `includeDefaults: false`. */
export const DEFAULT_TOPICS: readonly TopicDefinition[] = [SAFETY_BOILERPLATE_TOPIC];
