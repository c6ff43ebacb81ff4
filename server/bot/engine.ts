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
  /**
   * The bot messages of the conversation's latest answer, newest last. Only a postback with a
   * title alone reads them (see {@link needsLatestBotMessages}): it clicks the button or quick
   * reply of that title among them.
   */
  latestBotMessages?: readonly Schemas['BotMessage'][];
}

/** What the bot understood: the intent a text matched (webhook bodies carry it as `nlp`). */
export type Nlp = Schemas['Nlp'];

export interface BotTurn {
  /** At least one, each valid against the spec's BotMessage. */
  messages: Schemas['BotMessage'][];
  state: string;
  variables: Record<string, unknown>;
  /** Whether this answers the conversation's intro. */
  isIntro: boolean;
  /** Present when the user message matched a named intent. */
  nlp?: Nlp;
}

/** Where a user message leads. */
interface Route {
  target: string;
  captures: Record<string, unknown>;
  isIntro: boolean;
  /** The fallback answers without moving, so a question the bot asked is still awaited. */
  stay: boolean;
  nlp?: Nlp;
}

/** Keyword and pattern intents match for sure; a scored recogniser would say less. */
const RULE_MATCH_SCORE = 1;

/**
 * Runs one turn of `bot`'s conversation.
 *
 * In order: an `intro` goes to the intro state; a click (a `postback`, or a legacy text equal to
 * a payload) goes where its payload is mapped, the current state's postbacks first; what the
 * current state expects is captured; a text is matched against the intents; a location or an
 * attachment goes where the definition says. A first message the bot does not understand gets
 * the intro, anything else the fallback.
 *
 * A postback resolves as the platform's do: its `nextDialogstateId`, when the bot has a state of
 * that name, wins; then its `payload`; then a `title` alone clicks the button or quick reply of
 * that title in `latestBotMessages`, or else is read as typed text.
 *
 * @example
 * const turn = runTurn(bot, { state: null, variables: {} }, { sender: { id }, message: { type: 'intro' } });
 * // turn.messages: the intro state's messages, then those of the states it continues to
 */
export function runTurn(bot: BotDefinition, conversation: ConversationState, input: TurnInput): BotTurn {
  // A state removed from the definition since the last turn cannot be resumed; start over.
  const current = conversation.state !== null ? bot.states.get(conversation.state) : undefined;
  const route = routeMessage(bot, current, input.message, input.latestBotMessages ?? []) ?? {
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
    ...(route.nlp && { nlp: route.nlp }),
  };
}

/** Whether resolving `message` needs the conversation's latest bot messages (a postback by its title alone). */
export function needsLatestBotMessages(bot: BotDefinition, message: Schemas['UserMessage']): boolean {
  return (
    message.type === 'postback' &&
    message.payload === undefined &&
    message.title !== undefined &&
    !(message.nextDialogstateId !== undefined && bot.states.has(message.nextDialogstateId))
  );
}

function routeMessage(
  bot: BotDefinition,
  current: BotState | undefined,
  message: Schemas['UserMessage'],
  latestBotMessages: readonly Schemas['BotMessage'][],
): Route | undefined {
  const to = (target: string, captures: Record<string, unknown> = {}): Route => ({ target, captures, isIntro: false, stay: false });
  const react = (reaction: Reaction | undefined, value: unknown): Route | undefined =>
    reaction && to(reaction.goto, reaction.capture ? { [reaction.capture]: value } : {});
  const click = (payload: string): Route | undefined => {
    const target = postbackTarget(bot, current, payload);
    return target === undefined ? undefined : to(target);
  };
  const typed = (text: string): Route | undefined => {
    // The legacy endpoint sends a click as a text holding the payload.
    const clicked = click(text);
    if (clicked) return clicked;
    const trimmed = text.trim();
    const expected = trimmed === '' ? undefined : react(current?.expect.text, trimmed);
    if (expected) return expected;
    const match = matchIntent(bot.intents, text);
    if (!match) return undefined;
    const route = to(match.intent.goto, match.captures);
    return match.intent.name === undefined ? route : { ...route, nlp: { intent: { name: match.intent.name, score: RULE_MATCH_SCORE } } };
  };

  switch (message.type) {
    case 'intro':
      return { target: bot.intro, captures: {}, isIntro: true, stay: false };
    case 'postback': {
      // The platform's own state ids mean nothing here unless the bot names a state so.
      if (message.nextDialogstateId !== undefined && bot.states.has(message.nextDialogstateId)) return to(message.nextDialogstateId);
      if (message.payload !== undefined) return click(message.payload);
      if (message.title === undefined) return undefined;
      const payload = payloadOfTitle(latestBotMessages, message.title);
      return payload !== undefined ? click(payload) : typed(message.title);
    }
    case 'text':
      return typed(message.text);
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

/**
 * The payload of the postback button or quick reply titled `title` (ignoring case and surrounding
 * spaces) in `messages`, the newest message first: what a user who clicked it would have sent.
 */
export function payloadOfTitle(messages: readonly Schemas['BotMessage'][], title: string): string | undefined {
  const wanted = title.trim().toLowerCase();
  for (let i = messages.length - 1; i >= 0; i--) {
    for (const choice of clickableChoices(messages[i]!)) {
      if (choice.title.trim().toLowerCase() === wanted) return choice.payload;
    }
  }
  return undefined;
}

/** The postback buttons and quick replies of a bot message, in the order shown. */
function clickableChoices(message: Schemas['BotMessage']): { title: string; payload: string }[] {
  const buttons = (list: readonly Schemas['Button'][] | undefined) =>
    (list ?? []).flatMap((b) => (b.type === 'postback' ? [{ title: b.title, payload: b.payload }] : []));
  switch (message.type) {
    case 'quick_replies':
      return message.quick_replies.map((q) => ({ title: q.title, payload: q.payload }));
    case 'buttons':
      return buttons(message.attachment.payload.buttons);
    case 'carousel':
      return message.attachment.payload.elements.flatMap((e) => buttons(e.buttons));
    case 'list':
      return [...message.attachment.payload.elements.flatMap((e) => buttons(e.buttons)), ...buttons(message.attachment.payload.buttons)];
    default:
      return [];
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
