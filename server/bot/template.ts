/**
 * Message templates: bot messages as written in a definition, whose strings may hold
 * `{{name}}` or `{{name|default}}` placeholders filled from the conversation's variables.
 */
import type { components } from '../../spec/generated/api.js';
import { shortenText } from '../../contract/text-limit.js';
import { botMessageLengthLimits, isBotMessage, pointerSegments, type SchemaProblem } from './spec-schemas.js';

type BotMessage = components['schemas']['BotMessage'];
type Variables = Readonly<Record<string, unknown>>;

export interface MessageTemplate {
  /** The message as written, placeholders included. */
  source: BotMessage;
  /**
   * Every placeholder replaced by its default (or nothing). It is what the definition's check
   * validates, and what is sent if a rendering would break the spec, so a turn never emits an
   * invalid message.
   */
  minimal: BotMessage;
  hasPlaceholders: boolean;
}

// Variable names follow the spec's SessionVariables keys, dots included (`address.zipCode`).
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]{0,63})\s*(?:\|([^{}]*))?\}\}/g;
const URL_KEYS = new Set(['url', 'image_url']);
// The engine finds a click's transition by its payload, so payloads must reach the user as written.
const LITERAL_KEYS = new Set(['payload']);

/** Fills the placeholders of one string; `inUrl` URI-encodes the values (not the defaults, which the author wrote). */
export function renderString(template: string, variables: Variables, inUrl = false): string {
  return template.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined) => {
    const text = toText(lookup(variables, name));
    if (text === '') return fallback ?? '';
    return inUrl ? encodeURIComponent(text.replace(/\p{Cs}/gu, '\uFFFD')) : text;
  });
}

/** Prepares a message written in a definition; `source` must already be known to be an object. */
export function messageTemplate(source: BotMessage): MessageTemplate {
  return {
    source,
    minimal: renderTree(source, {}) as BotMessage,
    hasPlaceholders: JSON.stringify(source).includes('{{'),
  };
}

/**
 * The message with the variables filled in. A value too long for its field is cut to the spec's
 * `maxLength` with an ellipsis; if the result still breaks the spec (a value that makes a URL or
 * a phone number invalid), the minimal rendering is sent instead.
 */
export function renderMessage(template: MessageTemplate, variables: Variables): BotMessage {
  if (!template.hasPlaceholders) return structuredClone(template.source);
  const rendered = renderTree(template.source, variables) as BotMessage;
  for (const [pointer, limit] of botMessageLengthLimits(rendered)) truncateAt(rendered, pointer, limit);
  return isBotMessage(rendered) ? rendered : structuredClone(template.minimal);
}

/** Malformed placeholders and placeholders where none are filled in, by pointer into `source`. */
export function placeholderProblems(source: unknown, at = ''): SchemaProblem[] {
  if (Array.isArray(source)) return source.flatMap((item, i) => placeholderProblems(item, `${at}/${i}`));
  if (!source || typeof source !== 'object') return [];
  return Object.entries(source).flatMap(([key, value]): SchemaProblem[] => {
    const pointer = `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (typeof value !== 'string') return placeholderProblems(value, pointer);
    if (LITERAL_KEYS.has(key)) {
      return value.includes('{{') ? [{ pointer, message: 'is sent back as written, so it cannot hold a placeholder' }] : [];
    }
    const rest = value.replace(PLACEHOLDER, '');
    return rest.includes('{{') || rest.includes('}}')
      ? [{ pointer, message: 'has a malformed placeholder: write {{name}} or {{name|default}}' }]
      : [];
  });
}

function renderTree(value: unknown, variables: Variables, key = ''): unknown {
  if (typeof value === 'string') return LITERAL_KEYS.has(key) ? value : renderString(value, variables, URL_KEYS.has(key));
  if (Array.isArray(value)) return value.map((item) => renderTree(item, variables));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderTree(v, variables, k)]));
}

// A flat key wins over a path, because sessionData keys may contain dots (`address.zipCode`).
function lookup(variables: Variables, name: string): unknown {
  if (Object.hasOwn(variables, name)) return variables[name];
  let at: unknown = variables;
  for (const segment of name.split('.')) {
    if (!at || typeof at !== 'object' || !Object.hasOwn(at, segment)) return undefined;
    at = (at as Record<string, unknown>)[segment];
  }
  return at;
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value && typeof value === 'object') return JSON.stringify(value);
  return '';
}

function truncateAt(message: object, pointer: string, limit: number): void {
  const segments = pointerSegments(pointer);
  const last = segments.pop();
  // A cut URL can still be valid and lead somewhere else: leave it to fail and fall back.
  if (last === undefined || URL_KEYS.has(last)) return;
  const parent = segments.reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], message) as
    | Record<string, unknown>
    | undefined;
  const value = parent?.[last];
  if (typeof value !== 'string') return;
  // Between grapheme clusters, counted in code points as maxLength counts them (issue 10, item 14).
  parent![last] = shortenText(value, limit);
}
