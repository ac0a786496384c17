/**
 * Homograph detection for host names: letters from scripts that spoof Latin (Cyrillic, Greek, Armenian, Cherokee)
 * mixed into a Latin label, a label written wholly in lookalikes of another script, or a Latin label carrying
 * IPA/extended letters that pass for ASCII. Input is one lower-cased DNS label in Unicode form.
 */

export type SpoofScript = 'latin' | 'cyrillic' | 'greek' | 'armenian' | 'cherokee' | 'other' | 'none';

/** Lower-case letters of other scripts that render like a Latin letter in common fonts. */
const LATIN_LOOKALIKES = new Set<string>([
  // Cyrillic
  'а', 'е', 'о', 'р', 'с', 'у', 'х', 'ѕ', 'і', 'ј', 'ԁ', 'һ', 'ӏ', 'ԛ', 'ԝ', 'ѵ', 'ү', 'ӓ', 'ї', 'ӧ', 'ԍ', 'ԑ',
  // Greek
  'α', 'ο', 'ρ', 'ν', 'ι', 'υ', 'χ', 'ϲ', 'ϳ',
  // Armenian
  'օ', 'ս', 'ց', 'հ', 'ո', 'զ',
]);

/**
 * Latin letters outside ASCII that read as a plain ASCII letter (`ɡoogle`, `ɑpple`, `mıcrosoft`). Letters with
 * visible diacritics are left out: they are ordinary in Polish, Lithuanian or Vietnamese names.
 */
const LATIN_EXTENDED_LOOKALIKES = new Set<string>([
  'ı', 'ȷ', 'ɑ', 'ɡ', 'ɩ', 'ɪ', 'ʟ', 'ɴ', 'ʀ', 'ꜱ', 'ᴄ', 'ᴅ', 'ᴇ', 'ᴊ', 'ᴋ', 'ᴍ', 'ᴏ', 'ᴘ', 'ᴛ', 'ᴜ', 'ᴠ', 'ᴡ', 'ᴢ',
]);

export function scriptOf(cp: number): SpoofScript {
  if (cp < 0x80) return (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x41 && cp <= 0x5a) ? 'latin' : 'none';
  if (cp <= 0x24f || (cp >= 0x1d00 && cp <= 0x1dbf) || (cp >= 0x1e00 && cp <= 0x1eff) || (cp >= 0xa720 && cp <= 0xa7ff)) {
    // Latin-1 punctuation and symbols are script-neutral.
    return cp >= 0xc0 && cp !== 0xd7 && cp !== 0xf7 ? 'latin' : 'none';
  }
  if (cp >= 0x250 && cp <= 0x2af) return 'latin'; // IPA letters are Latin script
  if (cp >= 0x370 && cp <= 0x3ff) return 'greek';
  if (cp >= 0x1f00 && cp <= 0x1fff) return 'greek';
  if (cp >= 0x400 && cp <= 0x52f) return 'cyrillic';
  if ((cp >= 0x2de0 && cp <= 0x2dff) || (cp >= 0xa640 && cp <= 0xa69f) || (cp >= 0x1c80 && cp <= 0x1c8f)) return 'cyrillic';
  if (cp >= 0x530 && cp <= 0x58f) return 'armenian';
  if ((cp >= 0x13a0 && cp <= 0x13ff) || (cp >= 0xab70 && cp <= 0xabbf)) return 'cherokee';
  // Digits, hyphen-like and other neutral characters never make a label mixed.
  if (cp === 0x2d || (cp >= 0x30 && cp <= 0x39)) return 'none';
  return 'other';
}

export type HomographKind = 'mixed-script' | 'whole-script' | 'latin-lookalike';

/**
 * Classifies one DNS label. `tldScript` is the script of the top-level label, so that a Cyrillic name under a
 * Cyrillic TLD (`пример.рф`) is read as a native name, not as a spoof of a Latin one.
 */
export function homographKind(label: string, tldScript: SpoofScript): HomographKind | undefined {
  let latin = 0;
  let spoof = 0; // letters of the spoofing scripts
  let spoofScript: SpoofScript = 'none';
  let mixedSpoofScripts = false;
  let allLookalike = true;
  let latinExtendedLookalike = false;
  let other = 0;
  for (const ch of label) {
    const cp = ch.codePointAt(0) ?? 0;
    const s = scriptOf(cp);
    if (s === 'none') continue;
    if (s === 'latin') {
      latin++;
      if (cp >= 0x80 && LATIN_EXTENDED_LOOKALIKES.has(ch)) latinExtendedLookalike = true;
    } else if (s === 'other') {
      other++;
    } else {
      spoof++;
      if (spoofScript !== 'none' && spoofScript !== s) mixedSpoofScripts = true;
      spoofScript = s;
      if (!LATIN_LOOKALIKES.has(ch)) allLookalike = false;
    }
  }
  if (latin > 0 && spoof > 0) return 'mixed-script';
  if (mixedSpoofScripts) return 'mixed-script';
  // A label made only of lookalikes passes for an ASCII name (`аррӏе` for `apple`) unless its TLD is native.
  if (spoof >= 2 && other === 0 && allLookalike && tldScript !== spoofScript) return 'whole-script';
  if (latin > 0 && spoof === 0 && other === 0 && latinExtendedLookalike) return 'latin-lookalike';
  return undefined;
}

/** The script of a label taken as a whole: the first letter that has one. */
export function labelScript(label: string): SpoofScript {
  for (const ch of label) {
    const s = scriptOf(ch.codePointAt(0) ?? 0);
    if (s !== 'none') return s;
  }
  return 'none';
}
