/**
 * The bot engine: one user message in, the bot's answer out. A turn is pure and synchronous (no
 * clock, no randomness, no I/O), so the channel can run it inside its transaction, and the same
 * conversation and message always give the same answer.
 */
import type { components } from '../../spec/generated/api.js';
import type { BotDefinition, BotState, Reaction } from './definition.js';
import { matchIntent } from './intents.js';
import { renderMessage } from './template.js';

type Schemas = components['schemas'];

export interface ConversationState {
  /** The state the bot's last answer left the conversation in; `null` before its first answer. */
  state: string | null;
  variables: Record<string, unknown>;
}

export interface TurnInput {
  message: Schemas['UserMessage'];
  sender: Schemas['Sender'];
  sessionData?: Schemas['SessionVariables'];
}

export interface BotTurn {
  /** At least one, each valid against the spec's BotMessage. */
  messages: Schemas['BotMessage'][];
  state: string;
  variables: Record<string, unknown>;
  /** Whether this answers the conversation's intro. */
  isIntro: boolean;
}

/** Where a user message leads. */
interface Route {
  target: string;
  captures: Record<string, unknown>;
  isIntro: boolean;
  /** The fallback answers without moving, so a question the bot asked is still awaited. */
  stay: boolean;
}

/**
 * Runs one turn of `bot`'s conversation.
 *
 * In order: an `intro` goes to the intro state; a click (a `postback`, or a legacy text equal to
 * a payload) goes where its payload is mapped, the current state's postbacks first; what the
 * current state expects is captured; a text is matched against the intents; a location or an
 * attachment goes where the definition says. A first message the bot does not understand gets
 * the intro, anything else the fallback.
 *
 * @example
 * const turn = runTurn(bot, { state: null, variables: {} }, { sender: { id }, message: { type: 'intro' } });
 * // turn.messages: the intro state's messages, then those of the states it continues to
 */
export function runTurn(bot: BotDefinition, conversation: ConversationState, input: TurnInput): BotTurn {
  // A state removed from the definition since the last turn cannot be resumed; start over.
  const current = conversation.state !== null ? bot.states.get(conversation.state) : undefined;
  const route = routeMessage(bot, current, input.message) ?? {
    target: current ? bot.fallback : bot.intro,
    captures: {},
    isIntro: !current,
    stay: !!current,
  };
  // Later sources win: sessionData is the caller setting variables on purpose, and a capture is
  // what the user just said.
  const variables = { ...conversation.variables, ...senderVariables(input.sender), ...input.sessionData, ...route.captures };

  const messages: Schemas['BotMessage'][] = [];
  let state = bot.states.get(route.target)!;
  for (;;) {
    for (const template of state.messages) messages.push(renderMessage(template, variables));
    if (state.next === undefined) break;
    state = bot.states.get(state.next)!;
  }
  return {
    messages,
    state: route.stay && current ? current.name : state.name,
    variables,
    isIntro: route.isIntro,
  };
}

function routeMessage(bot: BotDefinition, current: BotState | undefined, message: Schemas['UserMessage']): Route | undefined {
  const to = (target: string, captures: Record<string, unknown> = {}): Route => ({ target, captures, isIntro: false, stay: false });
  const react = (reaction: Reaction | undefined, value: unknown): Route | undefined =>
    reaction && to(reaction.goto, reaction.capture ? { [reaction.capture]: value } : {});

  switch (message.type) {
    case 'intro':
      return { target: bot.intro, captures: {}, isIntro: true, stay: false };
    case 'postback': {
      const target = postbackTarget(bot, current, message.payload);
      return target === undefined ? undefined : to(target);
    }
    case 'text': {
      // The legacy endpoint sends a click as a text holding the payload.
      const clicked = postbackTarget(bot, current, message.text);
      if (clicked !== undefined) return to(clicked);
      const typed = message.text.trim();
      const expected = typed === '' ? undefined : react(current?.expect.text, typed);
      if (expected) return expected;
      const match = matchIntent(bot.intents, message.text);
      return match && to(match.intent.goto, match.captures);
    }
    case 'location': {
      const { lat, long } = message.coordinates;
      return react(current?.expect.location ?? bot.location, { lat, long });
    }
    case 'attachment': {
      const { type, url } = message.attachment;
      return react(current?.expect.attachment ?? bot.attachment, { type, url });
    }
  }
}

function postbackTarget(bot: BotDefinition, current: BotState | undefined, payload: string): string | undefined {
  return current?.postbacks.get(payload) ?? bot.postbacks.get(payload);
}

/** What the sender tells about the user, named as the platform's session variables. */
function senderVariables(sender: Schemas['Sender']): Record<string, string> {
  const variables: Record<string, string> = {};
  if (sender.firstName) variables.firstName = sender.firstName;
  if (sender.lastName) variables.lastName = sender.lastName;
  // The platform keeps the 2-letter language (`nl` for `nl-BE`) in `preferredLanguage`.
  if (sender.locale) variables.preferredLanguage = sender.locale.slice(0, 2);
  return variables;
}
