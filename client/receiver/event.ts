/**
 * The body of a `botMessage` webhook: its types come from the generated spec types, its
 * validation from the spec's schema compiled by generate-validator.ts. Nothing here restates
 * the spec.
 */
import type { components } from '../../spec/generated/api.js';
import type { BodyError } from './errors.js';
import { validate as validateGenerated } from './generated/validate-bot-message-event.js';

/** The body of every `botMessage` webhook. */
export type BotMessageEvent = components['schemas']['BotMessageEvent'];
/** The union of bot messages; `switch (message.type)` narrows it. */
export type BotMessage = components['schemas']['BotMessage'];
/** `'text' | 'buttons' | 'quick_replies' | 'carousel' | 'list' | 'media'`. */
export type BotMessageType = BotMessage['type'];
/** The bot message of one type: `BotMessageOf<'carousel'>`. */
export type BotMessageOf<T extends BotMessageType> = Extract<BotMessage, { type: T }>;

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}
type CompiledValidator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
const validateBody = validateGenerated as unknown as CompiledValidator;

/**
 * The failing fields of `value` as a `BotMessageEvent`; empty when it is valid.
 * Locations read like the API's problems: `body.message.attachment.payload.buttons.0.title`.
 *
 * @example
 * const errors = botMessageEventErrors(JSON.parse(raw));
 * if (errors.length) console.warn(errors.map((e) => `${e.location} ${e.message}`));
 */
export function botMessageEventErrors(value: unknown): BodyError[] {
  if (validateBody(value)) return [];
  const errors = (validateBody.errors ?? []).map((error) => {
    const path = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (error.keyword === 'required' && typeof error.params.missingProperty === 'string') path.push(error.params.missingProperty);
    if (error.keyword === 'additionalProperties' && typeof error.params.additionalProperty === 'string') path.push(error.params.additionalProperty);
    return { location: ['body', ...path].join('.'), message: error.message ?? error.keyword, depth: path.length };
  });
  // A failed oneOf reports every branch; the deepest errors are nearly always the telling ones.
  const unique = new Map<string, (typeof errors)[number]>();
  for (const error of errors.sort((a, b) => b.depth - a.depth)) unique.set(`${error.location} ${error.message}`, error);
  return [...unique.values()].map(({ location, message }) => ({ location, message }));
}

/**
 * Whether `value` is a valid `BotMessageEvent` per the spec.
 *
 * @example
 * if (isBotMessageEvent(body)) console.log(body.message.type);
 */
export function isBotMessageEvent(value: unknown): value is BotMessageEvent {
  return validateBody(value);
}
