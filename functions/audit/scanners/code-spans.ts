/**
 * Markdown code in one text: inside a ``` fence or a `backtick` span, text is shown, not said.
 * Positions are indexed on first use, so many questions about one text stay linear.
 */
export class CodeSpans {
  private fences: number[] | undefined;
  private backticks: number[] | undefined;
  private newlines: number[] | undefined;

  constructor(private readonly text: string) {}

  /** An odd number of ``` fences before `index`. */
  insideFence(index: number): boolean {
    this.fences ??= positions(this.text, '```');
    return countBelow(this.fences, index) % 2 === 1;
  }

  /** An odd number of backticks between the line start and `start`, and another before the line ends after `end`. */
  insideInlineCode(start: number, end: number): boolean {
    this.backticks ??= positions(this.text, '`');
    if (this.backticks.length < 2) return false;
    this.newlines ??= positions(this.text, '\n');
    const newlinesBefore = countBelow(this.newlines, start);
    const lineStart = newlinesBefore === 0 ? 0 : this.newlines[newlinesBefore - 1]! + 1;
    const nextNewline = countBelow(this.newlines, end);
    const lineEnd = nextNewline < this.newlines.length ? this.newlines[nextNewline]! : this.text.length;
    const ticksBeforeLine = countBelow(this.backticks, lineStart);
    const ticksBeforeStart = countBelow(this.backticks, start);
    if ((ticksBeforeStart - ticksBeforeLine) % 2 === 0) return false;
    return countBelow(this.backticks, lineEnd) > countBelow(this.backticks, end);
  }
}

function positions(text: string, needle: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) out.push(i);
  return out;
}

/** How many sorted values are below `limit`. */
function countBelow(sorted: readonly number[], limit: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
