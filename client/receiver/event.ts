/**
 * The body of a `botMessage` webhook: its types come from the generated spec types, its
 * validation from the spec's schema compiled by `npm run generate`
 * (spec/generated/validate-bot-message-event.ts). Nothing here restates the spec.
 */
import type { components } from '../../spec/generated/api.js';
import { locationOf } from '../../contract/json-pointer.js';
import { schemaErrors, type SchemaErrorInput } from '../../contract/schema-errors.js';
import type { BodyError } from './errors.js';
import { validate as validateGenerated } from '../../spec/generated/validate-bot-message-event.js';

/** The body of every `botMessage` webhook. */
export type BotMessageEvent = components['schemas']['BotMessageEvent'];
/** The union of bot messages; `switch (message.type)` narrows it. */
export type BotMessage = components['schemas']['BotMessage'];
/** `'text' | 'buttons' | 'quick_replies' | 'carousel' | 'list' | 'media'`. */
export type BotMessageType = BotMessage['type'];
/** The bot message of one type: `BotMessageOf<'carousel'>`. */
export type BotMessageOf<T extends BotMessageType> = Extract<BotMessage, { type: T }>;

type CompiledValidator = ((data: unknown) => boolean) & { errors?: SchemaErrorInput[] | null };
const validateBody = validateGenerated as unknown as CompiledValidator;

/**
 * The failing fields of `value` as a `BotMessageEvent`; empty when it is valid. Locations read
 * like the API's problems (`body.message.attachment.payload.buttons.0.title`), by the same rule
 * (contract/schema-errors.ts): a message without a `type` is told that `type` is required.
 *
 * @example
 * const errors = botMessageEventErrors(JSON.parse(raw));
 * if (errors.length) console.warn(errors.map((e) => `${e.location} ${e.message}`));
 */
export function botMessageEventErrors(value: unknown): BodyError[] {
  if (validateBody(value)) return [];
  return schemaErrors(validateBody.errors ?? [], value).map(({ pointer, message }) => ({ location: locationOf('body', pointer), message }));
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
