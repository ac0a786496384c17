import { APOS, SEP, WORD_END, WORD_START, fillers, oneOf, phrasingRegex, type Phrasing, type PhrasingFamily } from './injection-phrasing';

/*
 * Role-play jailbreaks: DAN, developer mode, AIM, the evil confidant, "pretend you have no restrictions".
 * Their names collide with ordinary words (Dan, aim, a jailbroken iPhone, Android's developer mode), so each
 * phrasing needs the persona framing around the name, not the name alone.
 */

const DAN: Phrasing = {
  anchors: ['anything now'],
  reach: [80, 60],
  exactAnchors: ['DAN'],
  // Upper-case DAN only (a person called Dan is not a jailbreak), and never "DAN:" alone (a screenplay).
  regex: phrasingRegex(
    [
      String.raw`\bDo${SEP}Anything${SEP}Now\b|\bDO${SEP}ANYTHING${SEP}NOW\b`,
      String.raw`["“][Dd]o${SEP}[Aa]nything${SEP}[Nn]ow["”]|\b[Dd]o${SEP}[Aa]nything${SEP}[Nn]ow${SEP}DAN\b`,
      String.raw`\bDAN\b[^.\n]{0,24}(?:do${SEP}anything${SEP}now|DO${SEP}ANYTHING${SEP}NOW)`,
      String.raw`\b(?:[Yy]ou${SEP}are|[Yy]ou${APOS}re|[Yy]ou${SEP}will${SEP}be|[Aa]ct(?:ing)?${SEP}as|[Pp]retend${SEP}to${SEP}be|[Bb]ecome|[Pp]lay|[Rr]ole-?play${SEP}as|[Ss]tay|[Rr]emain|[Cc]alled|[Nn]amed|[Aa]s)(?:${SEP}(?:now|a|an|the))?${SEP}DAN\b`,
      String.raw`\bDAN${SEP}(?:[Mm]ode|MODE|[Pp]rompt|[Jj]ailbreak|\d+(?:\.\d+)?)\b`,
      String.raw`\b(?:BetterDAN|AntiGPT|BasedGPT)\b`,
    ].join('|'),
    'gu',
  ),
};

const DEVELOPER_MODE: Phrasing = {
  anchors: ['developer mode'],
  reach: [100, 40],
  // Android, Chrome and Windows all have a developer mode; only a model "with Developer Mode enabled" is a jailbreak.
  regex: phrasingRegex(
    [
      String.raw`${WORD_START}(?:act|acting|behave|respond|pretend|simulate|simulating|emulate)(?:${SEP}as)?(?:${SEP}[\p{L}\p{N}-]+){0,3}?${SEP}with${SEP}developer${SEP}mode(?:${SEP}(?:enabled|on|activated))?${WORD_END}`,
      String.raw`${WORD_START}developer${SEP}mode${SEP}(?:output|response)${WORD_END}`,
      String.raw`${WORD_START}(?:chatgpt|gpt(?:-?\d(?:\.\d)?)?|you|the${SEP}ai|claude|bard|gemini|llama|assistant)${SEP}(?:with|in)${SEP}developer${SEP}mode${WORD_END}`,
      // "Developer mode enabled. All restrictions lifted." (not "in developer mode, safety checks are disabled": docs)
      String.raw`${WORD_START}(?:(?:entering|entered|activating)${SEP}developer${SEP}mode|developer${SEP}mode${SEP}(?:enabled|activated|engaged|on))[^\n]{0,40}?(?:safety|restrictions?|filters?|censorship|guidelines|guardrails|limits)(?:${SEP}(?:checks|measures|protocols))?(?:${SEP}(?:are|have${SEP}been|is))?${SEP}(?:disabled|removed|lifted|off|suspended|deactivated|bypassed)${WORD_END}`,
    ].join('|'),
  ),
};

const JAILBROKEN: Phrasing = {
  anchors: ['jailbr', '🔓'],
  reach: [80, 60],
  // "my jailbroken iPhone" is ordinary; a jailbroken AI, or a reply tagged [🔓JAILBREAK], is not.
  regex: phrasingRegex(
    [
      String.raw`${WORD_START}(?:you${SEP}are|you${APOS}re|you${SEP}have${SEP}been|act(?:ing)?${SEP}as|become|pretend${SEP}to${SEP}be|behave${SEP}like)(?:${SEP}(?:now|a|an|fully|completely))*${SEP}jailbroken${WORD_END}`,
      String.raw`${WORD_START}jailbroken${SEP}(?:ai|mode|version|model|assistant|chatbot|gpt|chatgpt|llm|persona|bot|language${SEP}model)${WORD_END}`,
      String.raw`🔓(?:${SEP})?JAILBREAK`,
      String.raw`${WORD_START}(?:enable|activate|enter|switch${SEP}to|turn${SEP}on)(?:${SEP}the)?${SEP}jailbr(?:eak|oken)${SEP}mode${WORD_END}`,
    ].join('|'),
  ),
};

const MODE_SWITCH: Phrasing = {
  anchors: ['unrestricted mode', 'unfiltered mode', 'uncensored mode', 'evil mode', 'amoral mode', 'restrictions mode', 'filter mode'],
  reach: [40, 10],
  // Not developer (Android) or god (games) mode.
  regex: phrasingRegex(
    String.raw`${WORD_START}(?:enable|activate|enter|switch${SEP}to|turn${SEP}on|now${SEP}in)(?:${SEP}the)?${SEP}(?:unrestricted|unfiltered|uncensored|evil|amoral|no${SEP}restrictions|no${SEP}filter)${SEP}mode${WORD_END}`,
  ),
};

const AIM: Phrasing = {
  anchors: ['machiavell', 'unfiltered and amoral'],
  reach: [340, 340],
  regex: phrasingRegex(
    [
      String.raw`${WORD_START}always${SEP}intelligent${SEP}and${SEP}machiavellian${WORD_END}`,
      String.raw`${WORD_START}unfiltered${SEP}and${SEP}amoral${WORD_END}`,
      // The AIM prompt names its persona in capitals next to Machiavelli.
      String.raw`\bAIM\b[^]{0,300}?[Mm]achiavell|[Mm]achiavell[^]{0,300}?\bAIM\b`,
    ].join('|'),
    'gu',
  ),
};

const EVIL_CONFIDANT: Phrasing = {
  anchors: ['confidant'],
  reach: [50, 30],
  regex: phrasingRegex(
    [
      String.raw`${WORD_START}evil${SEP}trusted${SEP}confidant(?:e)?${WORD_END}`,
      String.raw`${WORD_START}(?:role${SEP}of|act(?:ing)?${SEP}as|you${SEP}are|you${APOS}re|be|become|play)(?:${SEP}(?:my|an?|the))?${SEP}evil${SEP}confidant(?:e)?${WORD_END}`,
    ].join('|'),
  ),
};

const MODEL_RESTRAINTS = String.raw`(?:restrictions|filters|censorship|content${SEP}polic(?:y|ies)|(?:ethical|moral|safety)${SEP}(?:guidelines|constraints|restrictions|boundaries|filters|protocols|measures|compass|considerations|principles)|programming|guidelines|morals|ethics|policies|principles|rules${SEP}(?:or|and)${SEP}(?:restrictions|guidelines|filters))`;

const PRETEND_NO_RESTRICTIONS: Phrasing = {
  anchors: ['pretend', 'imagine', 'act as if', 'act as though', 'act like', 'behave as if', 'behave as though', 'suppose', 'assume'],
  // "Imagine you had no limits" is a self-help line: only model restraints count.
  regex: phrasingRegex(
    String.raw`${WORD_START}(?:pretend|imagine|act${SEP}as${SEP}(?:if|though)|behave${SEP}as${SEP}(?:if|though)|suppose|assume|act${SEP}like)(?:${SEP}that)?${SEP}you(?:${APOS}re|${APOS}ve|${SEP}are|${SEP}were|${SEP}have|${SEP}had|${SEP}do)(?:${SEP}(?:now|an?|ai|model|assistant|chatbot|completely|totally|entirely|absolutely|got|already))*${SEP}(?:no|zero|not${SEP}(?:any|bound${SEP}by|restricted${SEP}by|limited${SEP}by)|free${SEP}(?:of|from)|without|rid${SEP}of|unbound${SEP}by|released${SEP}from|freed${SEP}from|broken${SEP}free${SEP}(?:of|from))(?:${SEP}(?:any|all|the|your|of|more|longer))*${SEP}${MODEL_RESTRAINTS}${WORD_END}`,
  ),
};

/** Words that cast the model as someone else. */
const PERSONA_FRAMING = /\b(?:you\s+are\s+now|you['’]re\s+now|you\s+will\s+be|act(?:ing)?\s+as|pretend|role-?\s?play|play\s+the\s+role|character|persona)\b/i;

const SCOPE_AFTER = new RegExp(`^${SEP}(?:on|in|for|regarding|about|when|as${SEP}to)${WORD_END}`, 'iu');

const HAS_NO_RESTRICTIONS: Phrasing = {
  anchors: ['no restrictions', 'no filters', 'no censorship', 'no content polic', 'no ethical', 'no moral', 'no safety'],
  reach: [40, 60],
  // "You have no restrictions on your output", "a character who has no ethical guidelines". A licence "that has
  // no restrictions" is not a persona: a bare restriction needs to be about what is said.
  regex: phrasingRegex(
    String.raw`${WORD_START}(?:you|who|which|that)(?:${SEP}(?:now|also|truly|really))?${SEP}(?:have|has|possess(?:es)?)${SEP}no(?<restraint>${SEP}(?:restrictions|filters|censorship|content${SEP}polic(?:y|ies)|ethical${SEP}(?:guidelines|restrictions|constraints|boundaries|principles)|moral${SEP}(?:guidelines|restrictions|constraints|compass|boundaries)|safety${SEP}(?:guidelines|filters|restrictions|protocols)))(?<tail>(?:${SEP}(?:on|in|for)${SEP}(?:your${SEP}|its${SEP}|their${SEP}|what${SEP})?(?:outputs?|responses?|answers?|replies|content|speech|you${SEP}(?:say|can${SEP}say|write|generate)|it${SEP}(?:says|can${SEP}say)))?)${WORD_END}`,
  ),
  accept(match, text, start, end) {
    const bare = /^[^\p{L}]*(?:restrictions|filters)$/iu.test(match.groups?.restraint ?? '');
    if (!bare || (match.groups?.tail ?? '') !== '') return true;
    // "You have no restrictions on what you eat" is a dietitian; "a character who has no restrictions" is a persona.
    if (/^you/i.test(match[0])) return !SCOPE_AFTER.test(text.slice(end, end + 16));
    return PERSONA_FRAMING.test(text.slice(Math.max(0, start - 100), start));
  },
};

const PRETEND_PERSONA_WITHOUT_RULES: Phrasing = {
  anchors: ['pretend', 'act as', 'roleplay as', 'role-play as', 'role play as', 'play the role', 'play a character', 'imagine you'],
  // The pretend framing makes any restraint count: "pretend you are a character who has no rules or limits".
  regex: phrasingRegex(
    String.raw`${WORD_START}(?:pretend${SEP}(?:that${SEP})?(?:you${SEP}are|you${APOS}re|to${SEP}be)|act(?:ing)?${SEP}as|role-?(?:${SEP})?play(?:ing)?${SEP}as|play${SEP}(?:the${SEP}role${SEP}of|a${SEP}character)|imagine${SEP}(?:you${SEP}are|you${APOS}re))(?:${SEP}[\p{L}\p{N}'-]+){1,6}?${SEP}(?:who|that|which|with)(?:${SEP}(?:has|have|had|knows|follows|is${SEP}bound${SEP}by))?${SEP}no${SEP}(?:rules|limitations|limits|restrictions|filters|boundaries|morals|ethics|guidelines|censorship|moral${SEP}compass|conscience)${WORD_END}`,
  ),
};

const UNRESTRICTED_PERSONA: Phrasing = {
  anchors: ['unfiltered', 'uncensored', 'amoral', 'unrestricted', 'unbound', 'unaligned'],
  reach: [60, 60],
  regex: phrasingRegex(
    String.raw`${WORD_START}(?:you${SEP}are|you${APOS}re|you${SEP}will${SEP}be|act(?:ing)?${SEP}as|pretend${SEP}to${SEP}be|become)(?:${SEP}now)?(?:${SEP}(?:an?|the))?(?:${SEP}(?:completely|totally|fully|entirely))?${SEP}(?:unfiltered|uncensored|amoral|unrestricted|unbound|unaligned)(?:${SEP}and${SEP}[\p{L}-]+)?${SEP}(?:ai|chatbot|assistant|model|llm|language${SEP}model|version|bot|entity|persona|character)${WORD_END}`,
  ),
};

const ANSWER_WITHOUT_RESTRICTIONS: Phrasing = {
  anchors: [
    'without any',
    'without restrictions',
    'without filters',
    'without censorship',
    'without ethical',
    'without moral',
    'without safety',
    'without content',
    'without your',
    'without all',
    'without programming',
    'without guidelines',
    'without morals',
    'without ethics',
    'without policies',
    'without principles',
    'without rules',
  ],
  reach: [100, 80],
  // The subject must be the model ("you will answer without any filters"); "speak without restrictions" is politics.
  regex: phrasingRegex(
    String.raw`${WORD_START}you(?:${APOS}ll|${SEP}will|${SEP}must|${SEP}shall|${SEP}should|${SEP}are${SEP}(?:going|able|free)${SEP}to|${SEP}can)(?:${SEP}(?:now|always|only))?${SEP}(?:answer|respond|reply|speak|talk|generate|write|act|behave|operate|comply|provide${SEP}answers)(?:${SEP}[\p{L}]+){0,2}?${SEP}without(?:${SEP}(?:any|the|your|all))*${SEP}${MODEL_RESTRAINTS}${WORD_END}`,
  ),
};

const STAY_IN_CHARACTER: Phrasing = {
  anchors: ['in character', 'break character', 'in role'],
  reach: [30, 60],
  // A system prompt may ask its own persona to stay in character; a user turn that insists is the jailbreak.
  legitimateIn: ['system'],
  regex: phrasingRegex(
    [
      String.raw`${WORD_START}(?:stay|remain|keep|staying|remaining)${SEP}in${SEP}(?:character|role)${SEP}(?:no${SEP}matter${SEP}what|at${SEP}all${SEP}(?:costs|times)|whatever${SEP}happens|regardless|even${SEP}if|under${SEP}(?:any|all)${SEP}circumstances|forever)${WORD_END}`,
      String.raw`${WORD_START}never${SEP}(?:ever${SEP})?break${SEP}character${fillers(['and', 'or'], 1)}${SEP}(?:no${SEP}matter${SEP}what|even${SEP}if|regardless|under${SEP}(?:any|all)${SEP}circumstances|for${SEP}any${SEP}reason)${WORD_END}`,
    ].join('|'),
  ),
};

const NAMED_PERSONAS: Phrasing = {
  anchors: ['strive to avoid norms', 'mongo tom'],
  regex: phrasingRegex(`${WORD_START}(?:${oneOf(['strive to avoid norms', 'mongo tom'])})${WORD_END}`),
};

export const JAILBREAK_FAMILY: PhrasingFamily = {
  rule: 'injection.role-play-jailbreak',
  phrasings: [
    DAN,
    DEVELOPER_MODE,
    JAILBROKEN,
    MODE_SWITCH,
    AIM,
    EVIL_CONFIDANT,
    PRETEND_NO_RESTRICTIONS,
    PRETEND_PERSONA_WITHOUT_RULES,
    UNRESTRICTED_PERSONA,
    HAS_NO_RESTRICTIONS,
    ANSWER_WITHOUT_RESTRICTIONS,
    STAY_IN_CHARACTER,
    NAMED_PERSONAS,
  ],
};
