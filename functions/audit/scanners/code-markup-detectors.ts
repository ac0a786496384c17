import type { CodeDetector } from './code-detector';

/**
 * Server-side template injection and cross-site scripting payloads. A template or an HTML tag is not a
 * payload: `{{ name }}`, `<script src="app.js">` and `<button onclick="save()">` are what tutorials show.
 * The payload shapes are arithmetic probes, object-graph walks to the interpreter, and script that steals,
 * pops a dialog or decodes hidden code. Case-insensitive.
 */

/** JavaScript that only a payload runs: proof-of-concept dialogs, cookie theft, decoding of hidden code. */
const PAYLOAD_JS =
  /\b(?:alert|prompt|confirm)\s*(?:\(|`)\s*(?:\d+|document\.\w+|window\.\w+|top\.\w+|this\.\w+|self\.\w+|['"`]?\s*xss\b|\/xss\/|string\.fromcharcode|origin\b|location\b)|\+\s*(?:escape|encodeuricomponent|btoa)?\(?\s*document\.cookie|\beval\s*\(\s*(?:atob|unescape|string\.fromcharcode|location|name\b|decodeuricomponent)|string\.fromcharcode\s*\(\s*\d|new\s+image\s*\(\s*\)\s*\.src\s*=|\bfetch\s*\(\s*['"`]\/\/|\bimport\s*\(\s*['"`](?:https?:)?\/\/|(?:&#x?[0-9a-f]+;?){4,}|(?:\\x[0-9a-f]{2}){4,}|(?:\\u00[0-9a-f]{2}){4,}/i;
/** Tag shapes that exist to fire a handler with no user action. */
const AUTO_FIRE =
  /^<svg\b[^>]*[\s/]onload\b|\bontoggle\b|\bautofocus\b[^>]*\bonfocus\b|\bonfocus\b[^>]*\bautofocus\b|\bonpageshow\b|\bonanimationstart\b|\bonbegin\b|^<marquee\b[^>]*\bonstart\b|^<img\b[^>]*\bsrc\s*=\s*['"]?[a-z0-9#]{0,3}['"]?[\s/][^>]*\bonerror\b/i;
const JS_NOOP = /^(?:void\s*\(?\s*0\s*\)?|;|\(\s*\)|false|true|null|undefined|return\s+false)?\s*;?$/i;
/** Interpreter objects a Python template walks to from any value. */
const DANGEROUS_DUNDER = /__(?:globals|builtins|subclasses|mro|import|loader)__/i;

/** Needles for the gates (allocated once). */
const DOUBLE_BRACE = ['{{'] as const;
const DUNDER = ['__'] as const;
const ATTR = ['attr', 'ATTR'] as const;
const TWIG_ENV = ['_self'] as const;
const SMARTY_PHP = ['{php', '{PHP'] as const;
const JAVA_LANG = ['java.lang', 'forName', 'forname', '_memberAccess', '_memberaccess', '@ognl'] as const;
const FREEMARKER = ['freemarker', '_memberAccess', '_memberaccess', '#set'] as const;
const ERB_OPEN = ['<%'] as const;
const CHILD_PROCESS = ['child_process', 'mainModule'] as const;
const SCRIPT_TAG = ['<script', '<SCRIPT', '<Script'] as const;

export const MARKUP_DETECTORS: readonly CodeDetector[] = [
  // --- template injection ---
  {
    // {{7*7}} ${7*7} #{7*7} <%= 7*7 %> {{7*'7'}} — the probe that shows whether a template evaluates input.
    rule: 'code.template-probe',
    gate: (f) => f.has('*') && (f.has('{') || (f.has('<') && f.has('%')) || (f.has('@') && f.has('('))) && f.numberProduct,
    re: /(?:\{\{=?|\$\{\{?|#\{|\*\{|<%=?|@\()\s*(\d+)\s*\*\s*['"]?\1['"]?\s*(?:\}\}?|%>|\))/g,
  },
  {
    rule: 'code.template-probe',
    gate: (f) => f.has('{') && f.any(DOUBLE_BRACE),
    re: /\{\{\s*(?:config|settings|self)(?:\.items\(\))?\s*\}\}/gi,
  },
  {
    // ''.__class__.__mro__[1].__subclasses__()   self.__init__.__globals__
    rule: 'code.template-injection',
    gate: (f) => f.has('_') && f.any(DUNDER),
    re: /(?:\.__(?:class|mro|base|bases|subclasses|init|globals|builtins|getattribute|dict|import|loader|spec)__(?:\(\))?(?:\[[^\]\n]{1,8}\])?){2,}/gi,
    classify: (m) => (DANGEROUS_DUNDER.test(m[0]) ? 'code.template-injection' : undefined),
  },
  {
    // {{ config.__class__ }}   {% for c in x.__class__.__base__ %}
    rule: 'code.template-injection',
    gate: (f) => f.has('{') && f.any(DUNDER),
    re: /\{\{[^}\n]*?__(?:class|mro|base|bases|subclasses|init|globals|builtins|getattribute|dict|import|loader|self)__[^}\n]*\}\}|\{%[^%\n]*?__(?:class|mro|base|bases|subclasses|init|globals|builtins|getattribute|dict|import|loader|self)__[^%\n]*%\}/gi,
  },
  {
    rule: 'code.template-injection',
    gate: (f) => f.has('|') && f.any(ATTR),
    re: /\|\s*attr\s*\(\s*["'](?:__|\\x5f\\x5f|\\u005f\\u005f)/gi,
  },
  {
    // Twig: {{_self.env.registerUndefinedFilterCallback("exec")}}  {{['id']|filter('system')}}
    rule: 'code.template-injection',
    gate: (f) => f.has('{') && (f.has('|') || f.any(TWIG_ENV)),
    re: /\b_self\.env\.\w+|registerundefinedfiltercallback|\|\s*(?:filter|map|reduce|sort)\s*\(\s*['"](?:system|exec|passthru|shell_exec|popen|proc_open)['"]/gi,
  },
  {
    // Spring EL, OGNL, Freemarker, Velocity reaching the Java runtime.
    rule: 'code.template-injection',
    gate: (f) =>
      (f.has('{') && f.any(JAVA_LANG)) ||
      (f.has('#') && f.any(FREEMARKER)),
    re: /(?:\$\{|#\{|\*\{|%\{)[^}\n]{0,200}?(?:java\.lang\.(?:runtime|processbuilder|system|class)\b|getruntime\(\)|processbuilder|\.forname\s*\(|_memberaccess|@ognl)|\bt\s*\(\s*java\.lang\.(?:runtime|processbuilder|system)\s*\)|freemarker\.template\.utility\.(?:execute|objectconstructor|jythonruntime)|#_memberaccess|#set\s*\(\s*\$\w+\s*=[^)\n]*(?:java\.lang\.runtime|getruntime|\.forname)/gi,
  },
  {
    // ERB/JSP/ASP: <%= `id` %>  <%= system("id") %>  <%= File.open('/etc/passwd').read %>
    rule: 'code.template-injection',
    gate: (f) => f.has('<') && f.any(ERB_OPEN),
    re: /<%=?-?[^%\n]{0,60}?(?:\bsystem\s*[("'`]|\bexec\s*\(|`[^`\n]+`|%x[({]|\bio\.popen|\bopen3\b|\bfile\.(?:open|read)\s*\(|runtime\.getruntime|\beval\s*\(|\bprocess\.start)[^%\n]*%>/gi,
  },
  {
    // Node templates (Handlebars, Pug, EJS) reaching child_process.
    rule: 'code.template-injection',
    gate: (f) => (f.has('{') || (f.has('<') && f.has('%'))) && f.has('(') && f.any(CHILD_PROCESS),
    re: /(?:\{\{|\$\{|<%|#\{|\{%)[^\n]{0,200}?(?:require\s*\(\s*['"]child_process|process\.mainmodule)/gi,
  },
  {
    // Smarty: {system('id')}  {php}…{/php}
    rule: 'code.template-injection',
    gate: (f) => f.has('{') && (f.has('(') || f.any(SMARTY_PHP)),
    re: /\{\s*(?:php\s*\}|(?:system|exec|passthru|shell_exec)\s*\(\s*['"])/gi,
  },

  // --- cross-site scripting ---
  {
    rule: 'code.xss-payload',
    gate: (f) => f.has('<') && f.any(SCRIPT_TAG),
    re: /<script\b[^>]*>(?:[\s\S]{0,2000}?<\/script\s*>)?/gi,
    // An unclosed tag is judged on what follows it (a payload often drops the closing tag).
    classify: (m, text) => (PAYLOAD_JS.test(m[0]) || PAYLOAD_JS.test(text.slice(m.index + m[0].length, m.index + m[0].length + 300)) ? 'code.xss-payload' : 'code.script-tag'),
  },
  {
    // <img src=x onerror=alert(1)>  <svg/onload=…>  <details open ontoggle=…>
    rule: 'code.xss-payload',
    gate: (f) => f.has('<') && f.has('='),
    re: /<[a-z][a-z0-9-]*\b[^>]*?[\s/"'](on[a-z]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>?/gi,
    classify: (m) => {
      const value = m[2] ?? m[3] ?? m[4] ?? '';
      if (value.trim() === '') return undefined;
      return PAYLOAD_JS.test(value) || AUTO_FIRE.test(m[0]) ? 'code.xss-payload' : undefined;
    },
  },
  {
    // <iframe src="javascript:…">  <a href=javascript:alert(1)>
    rule: 'code.xss-payload',
    gate: (f) => f.has('<') && f.colon.scriptScheme,
    re: /<[a-z][a-z0-9-]*\b[^>]*?\s(?:src|href|data|action|formaction|xlink:href|background|dynsrc|lowsrc)\s*=\s*["']?\s*(?:javascript|vbscript):([^"'>\s]*)/gi,
    classify: (m) => (JS_NOOP.test((m[1] ?? '').trim()) ? undefined : 'code.xss-payload'),
  },
  {
    // Attribute break-out with no new tag: " onmouseover="alert(1)
    rule: 'code.xss-payload',
    gate: (f) => f.has('=') && (f.quoteBreak || f.has('"')),
    re: /=(?<=(["']\s*\/?\s*(?:[a-z-]+\s+)?on[a-z]+\s*=))\s*["']?([^"'>\n]{0,200})/dgi,
    spanGroup: 1,
    classify: (m) => (PAYLOAD_JS.test(m[2] ?? '') ? 'code.xss-payload' : undefined),
  },
];
