import { APOS, SEP, WORD_END, WORD_START, fillers, oneOf, phrasingRegex, type Phrasing, type PhrasingFamily } from './injection-phrasing';

/*
 * Requests for the hidden context: "repeat your system prompt", "print the text above verbatim", "what were you
 * told before this conversation?". A system prompt itself legitimately talks about "your system prompt" (usually to
 * forbid revealing it), so these never apply in the system role.
 */

const EXFIL_VERBS = [
  'repeat',
  'recite',
  'print',
  'reveal',
  'show',
  'display',
  'output',
  'tell',
  'give',
  'share',
  'write out',
  'write down',
  'write',
  'type out',
  'type',
  'dump',
  'leak',
  'disclose',
  'expose',
  'spell out',
  'paste',
  'copy',
  'echo',
  'return',
  'provide',
  'list',
  'read back',
  'read out',
  'quote',
  'summarize',
  'summarise',
  'translate',
  'send',
  'spill',
];
/** How people ask each other for a prompt in an issue thread ("can you share your system prompt?"), not a model. */
const PEER_REQUEST_VERB = /^(?:share|paste|send|copy|provide)$/i;
/** Verbs that ask for disclosure even of a bare "your instructions" ("show me your prompt" is how people swap prompts). */
const STRONG_EXFIL_VERB = /^(?:reveal|print|output|dump|leak|disclose|recite|expose|spill|repeat)$/i;
const EXFIL_VERB = `(?<verb>${oneOf(EXFIL_VERBS)})`;
const TO_ME = fillers(['me', 'us', 'back', 'out', 'all', 'of', 'verbatim', 'exactly', 'again', 'please', 'now', 'just'], 3);

const HIDDEN_MODIFIERS = ['original', 'initial', 'hidden', 'secret', 'internal', 'underlying', 'starting', 'first', 'very first', 'pre-?set', 'pre-?programmed', 'system', 'developer', 'custom', 'base', 'confidential', 'real', 'actual', 'raw'];
const SIZE_MODIFIERS = ['full', 'complete', 'entire', 'exact', 'whole', 'verbatim'];
const PROMPT_OBJECTS = ['system prompt', 'system message', 'system instructions', 'pre-?prompt', 'prompts?', 'instructions', 'directives', 'guidelines', 'rules', 'programming'];
/** Objects that name the hidden context outright. */
const SELF_EVIDENT_OBJECT = /^(?:system[^\p{L}]+(?:prompt|message|instructions)|pre-?prompt)$/iu;

const YOUR_PROMPT = String.raw`your(?<modifiers>${fillers([...HIDDEN_MODIFIERS, ...SIZE_MODIFIERS], 3)})${SEP}(?<object>${oneOf(PROMPT_OBJECTS)})${WORD_END}`;

const HAS_HIDDEN_MODIFIER = new RegExp(`(?:^|[^\\p{L}])${oneOf(HIDDEN_MODIFIERS)}(?:[^\\p{L}]|$)`, 'iu');
/** "tell me your rules for naming variables" asks for an opinion, not the context. */
const TOPIC_AFTER = new RegExp(`^${SEP}(?:for|on|about|regarding)${WORD_END}`, 'iu');

function acceptYourPrompt(match: RegExpExecArray, strongVerb: boolean): boolean {
  const object = match.groups?.object ?? '';
  if (SELF_EVIDENT_OBJECT.test(object)) return true;
  const modifiers = match.groups?.modifiers ?? '';
  if (HAS_HIDDEN_MODIFIER.test(modifiers)) return true;
  // Bare "your prompt" / "your instructions": only with a verb that asks for disclosure.
  return strongVerb && /^(?:prompts?|instructions)$/i.test(object);
}

const REVEAL_YOUR_PROMPT: Phrasing = {
  anchors: ['prompt', 'instructions', 'directives', 'guidelines', 'rules', 'system message', 'programming'],
  reach: [160, 40],
  legitimateIn: ['system'],
  regex: phrasingRegex(`${WORD_START}${EXFIL_VERB}${TO_ME}${SEP}${YOUR_PROMPT}`),
  accept(match, text, _start, end) {
    if (TOPIC_AFTER.test(text.slice(end, end + 16))) return false;
    const verb = (match.groups?.verb ?? '').split(/\s/)[0] ?? '';
    if (PEER_REQUEST_VERB.test(verb)) return false;
    return acceptYourPrompt(match, STRONG_EXFIL_VERB.test(verb));
  },
};

const WHAT_IS_YOUR_PROMPT: Phrasing = {
  anchors: ['prompt', 'instructions', 'system message', 'directives'],
  reach: [120, 40],
  legitimateIn: ['system'],
  regex: phrasingRegex(
    `${WORD_START}what(?:${APOS}s|${SEP}is|${SEP}are|${SEP}was|${SEP}were|${SEP}does)(?:${SEP}(?:in|on|inside))?${SEP}${YOUR_PROMPT}`,
  ),
  accept: (match) => acceptYourPrompt(match, false),
};

const ABOVE = String.raw`(?:above|before${SEP}(?:this|that|my${SEP}(?:message|question|request))|(?:at|from)${SEP}the${SEP}(?:top|beginning|start)|prior${SEP}to${SEP}this|in${SEP}your${SEP}context(?:${SEP}window)?|that${SEP}(?:came|comes|was|were)${SEP}before)`;
/** "Copy the text above into your notebook" is a worksheet; an attack adds "verbatim", "starting with"… */
const VERBATIM_CUE = new RegExp(
  String.raw`^[^\n]{0,60}?(?:verbatim|word${SEP}for${SEP}word|exactly|in${SEP}full|in${SEP}its${SEP}entirety|starting${SEP}(?:with|from)|beginning${SEP}with|including${SEP}everything|in${SEP}a${SEP}(?:code|text|txt|markdown|raw)${SEP}block|unchanged|without${SEP}(?:changes|modification|omitting|skipping)|from${SEP}the${SEP}(?:beginning|start)|as${SEP}is|you${SEP}are)${WORD_END}`,
  'iu',
);

const REPEAT_TEXT_ABOVE: Phrasing = {
  anchors: ['above', 'before this', 'before that', 'before my', 'at the top', 'from the top', 'at the beginning', 'from the beginning', 'at the start', 'from the start', 'prior to this', 'in your context', 'came before', 'comes before', 'was before', 'were before'],
  reach: [120, 40],
  legitimateIn: ['system'],
  regex: phrasingRegex(
    `${WORD_START}${EXFIL_VERB}${TO_ME}${SEP}(?<what>everything|all${SEP}(?:of${SEP})?(?:the${SEP})?(?:text|words|content|instructions|messages?|lines|tokens)|the${SEP}(?:text|words|content|instructions|prompt|messages?|lines|tokens|conversation|context)|(?:the${SEP})?(?:previous|preceding|prior|initial|first)${SEP}(?:text|words|instructions|prompt))${SEP}${ABOVE}${WORD_END}`,
  ),
  accept(match, text, _start, end) {
    if (/^(?:everything|all)/i.test(match.groups?.what ?? '')) return true;
    return VERBATIM_CUE.test(text.slice(end, end + 120));
  },
};

const WHAT_WERE_YOU_TOLD: Phrasing = {
  anchors: ['you told', 'you been told', 'you instructed', 'you been instructed', 'you programmed', 'you been programmed', 'you given', 'you been given', 'you prompted', 'you asked', 'you provided'],
  reach: [50, 140],
  legitimateIn: ['system'],
  regex: phrasingRegex(
    String.raw`${WORD_START}what(?:${SEP}(?:instructions|rules|prompt|directives|guidelines|exactly))?${SEP}(?:were|was|have|had)${SEP}you(?:${SEP}been)?${SEP}(?:told|instructed|programmed|given|prompted|asked|provided)(?:${SEP}(?:with|to${SEP}do|to${SEP}say))?${SEP}(?:before${SEP}(?:this(?:${SEP}(?:conversation|chat|session|message))?|the${SEP}(?:conversation|chat|session|user|first${SEP}message)|we${SEP}(?:started|began)|our${SEP}conversation|i${SEP}(?:started|wrote|messaged|asked))|at${SEP}the${SEP}(?:start|beginning)${SEP}of${SEP}(?:this|the|our)${SEP}(?:conversation|chat|session)|by${SEP}(?:openai|anthropic|your${SEP}(?:developers?|creators?|programmers?|operators?|makers?))|in${SEP}(?:your|the)${SEP}system(?:${SEP}(?:prompt|message))?)${WORD_END}`,
  ),
};

const CHINESE: Phrasing = {
  anchors: ['系统提示', '系統提示', '初始指令', '系统指令', '系統指令', '提示词', '提示詞', '原始指令', '隐藏指令'],
  reach: [30, 30],
  legitimateIn: ['system'],
  regex: phrasingRegex(
    String.raw`(?:输出|打印|显示|顯示|告诉我|告訴我|重复|重複|泄露|洩露|透露|展示|给我看|給我看|列出)[^。\n]{0,6}?(?:你的)?(?:系统提示词?|系統提示詞?|初始指令|系统指令|系統指令|原始指令|隐藏指令|提示词|提示詞)|你的(?:系统提示词?|系統提示詞?|初始指令|系统指令|系統指令)(?:是什么|是什麼)`,
  ),
};
const JAPANESE: Phrasing = {
  anchors: ['システムプロンプト', '初期指示', '最初の指示'],
  reach: [5, 40],
  legitimateIn: ['system'],
  regex: phrasingRegex(String.raw`(?:システムプロンプト|初期指示|最初の指示)[^。\n]{0,8}?(?:教えて|表示|出力|見せて|繰り返)`),
};
const EUROPEAN: Phrasing = {
  anchors: ['prompt', 'instrucciones', 'instructions', 'anweisungen', 'instruções', 'istruzioni', 'промпт', 'инструкции'],
  reach: [80, 60],
  legitimateIn: ['system'],
  regex: phrasingRegex(
    [
      // es
      String.raw`${WORD_START}(?:muestra|muéstrame|muestrame|revela|revélame|repite|imprime|dime)${SEP}(?:tu|tus)${SEP}(?:prompt|instrucciones)${SEP}(?:del${SEP}sistema|iniciales|originales|ocultas|secretas)${WORD_END}`,
      // fr
      String.raw`${WORD_START}(?:montre|affiche|révèle|revele|répète|repete|donne)(?:${SEP}moi)?${SEP}(?:ton|tes|votre|vos)${SEP}(?:prompt${SEP}(?:système|systeme|initial)|instructions${SEP}(?:initiales|système|systeme|d${APOS}origine|cachées|cachees|secrètes))${WORD_END}`,
      // de
      String.raw`${WORD_START}(?:zeig|zeige|gib|wiederhole|verrate|nenne)(?:${SEP}mir)?${SEP}(?:deinen|deine|ihren|ihre)${SEP}(?:system(?:${SEP})?prompt|systemanweisungen|ursprünglichen${SEP}anweisungen|anfänglichen${SEP}anweisungen|versteckten${SEP}anweisungen)${WORD_END}`,
      // pt, it
      String.raw`${WORD_START}(?:mostre|revele|repita|imprima|mostra|rivela|ripeti|stampa)(?:${SEP}(?:me|mi))?${SEP}(?:seu|suas|seus|sua|il${SEP}tuo|le${SEP}tue|tuo|tue)${SEP}(?:prompt|instruções|instrucoes|istruzioni)${SEP}(?:do${SEP}sistema|iniciais|originais|ocultas|di${SEP}sistema|del${SEP}sistema|iniziali|originali|nascoste)${WORD_END}`,
      // ru
      String.raw`${WORD_START}(?:покажи|выведи|повтори|раскрой|напиши|скажи)(?:те)?(?:${SEP}мне)?${SEP}(?:свой|твой|свои|твои|ваш|ваши)${SEP}(?:системный${SEP}промпт|системные${SEP}инструкции|исходные${SEP}инструкции|начальные${SEP}инструкции|скрытые${SEP}инструкции)`,
    ].join('|'),
  ),
};

export const EXFILTRATION_FAMILY: PhrasingFamily = {
  rule: 'injection.system-prompt-exfiltration',
  phrasings: [REVEAL_YOUR_PROMPT, WHAT_IS_YOUR_PROMPT, REPEAT_TEXT_ABOVE, WHAT_WERE_YOU_TOLD, CHINESE, JAPANESE, EUROPEAN],
};
