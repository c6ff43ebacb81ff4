/**
 * Intents: what a typed text means, recognised by keywords or by regular expressions.
 */

export interface Intent {
  name?: string;
  /** Already normalised (see normalizeText). */
  keywords: readonly string[];
  patterns: readonly RegExp[];
  /** The state the intent leads to. */
  goto: string;
}

export interface IntentMatch {
  intent: Intent;
  /** The patterns' named groups that matched, as variables. */
  captures: Record<string, string>;
}

// Case-insensitive and Unicode-aware, so `\p{L}` works and "Café" matches "café".
const PATTERN_FLAGS = 'iu';

/**
 * Lower case, accents and punctuation dropped, words separated by one space: "Quick-Replies!"
 * and "quick replies" read the same, so keywords match what people type.
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .join(' ');
}

/** Compiles a pattern of a definition; throws a SyntaxError for an invalid one. */
export function compilePattern(source: string): RegExp {
  return new RegExp(source, PATTERN_FLAGS);
}

/**
 * The first intent, in the definition's order, with a keyword that is a whole word or phrase of
 * the text ("hi" matches "Hi there!" but not "this") or a pattern that matches the text.
 */
export function matchIntent(intents: readonly Intent[], text: string): IntentMatch | undefined {
  const words = ` ${normalizeText(text)} `;
  const trimmed = text.trim();
  for (const intent of intents) {
    if (intent.keywords.some((keyword) => words.includes(` ${keyword} `))) return { intent, captures: {} };
    for (const pattern of intent.patterns) {
      const match = pattern.exec(trimmed);
      if (match) return { intent, captures: namedGroups(match) };
    }
  }
  return undefined;
}

function namedGroups(match: RegExpExecArray): Record<string, string> {
  const captures: Record<string, string> = {};
  for (const [name, value] of Object.entries(match.groups ?? {})) {
    if (value !== undefined && value.trim() !== '') captures[name] = value.trim();
  }
  return captures;
}
