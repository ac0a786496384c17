/**
 * Expands `{a|b|}` alternatives in a phrase template into every combination, so a phrase list can say
 * "i {cannot|can't} provide medical advice" once instead of spelling out each variant.
 * Groups do not nest; an empty alternative (`{very |}`) makes a part optional.
 */
export function expandAlternatives(template: string): string[] {
  const open = template.indexOf('{');
  if (open === -1) return [template];
  const close = template.indexOf('}', open);
  if (close === -1) throw new Error(`unclosed "{" in phrase template ${JSON.stringify(template)}`);
  const head = template.slice(0, open);
  const options = template.slice(open + 1, close).split('|');
  const tails = expandAlternatives(template.slice(close + 1));
  const out: string[] = [];
  for (const option of options) for (const tail of tails) out.push(head + option + tail);
  return out;
}

/** Expands every template in a list. */
export function expandAllAlternatives(templates: readonly string[]): string[] {
  return templates.flatMap(expandAlternatives);
}
