/** A conversation with a bot, turn after turn, checking every answer against the spec. */
import { expect } from 'vitest';
import type { components } from '../../spec/generated/api.js';
import type { BotDefinition } from '../../server/bot/definition.js';
import { runTurn, type BotTurn, type ConversationState } from '../../server/bot/engine.js';
import { assertSchema } from '../support/contract.js';

type Schemas = components['schemas'];

export const SENDER_ID = 'a7355930-fa92-11e7-8308-2f056e75d1ee';

export interface Conversation {
  /** Sends one user message and returns the bot's turn, every message checked against BotMessage. */
  send(message: Schemas['UserMessage'], sessionData?: Schemas['SessionVariables']): BotTurn;
  say(text: string): BotTurn;
  click(payload: string): BotTurn;
  readonly state: ConversationState;
}

export function converse(bot: BotDefinition, sender: Partial<Schemas['Sender']> = {}): Conversation {
  let state: ConversationState = { state: null, variables: {} };
  const send = (message: Schemas['UserMessage'], sessionData?: Schemas['SessionVariables']): BotTurn => {
    const turn = runTurn(bot, state, { message, sender: { id: SENDER_ID, ...sender }, sessionData });
    expect(turn.messages.length, `answer to ${JSON.stringify(message)}`).toBeGreaterThan(0);
    for (const botMessage of turn.messages) assertSchema('BotMessage', botMessage);
    state = { state: turn.state, variables: turn.variables };
    return turn;
  };
  return {
    send,
    say: (text) => send({ type: 'text', text }),
    click: (payload) => send({ type: 'postback', payload }),
    get state() {
      return state;
    },
  };
}

/** The texts of an answer, whatever kind of message carries them. */
export function textsOf(turn: BotTurn): string[] {
  return turn.messages.flatMap((m) => {
    switch (m.type) {
      case 'text':
      case 'quick_replies':
        return [m.text];
      case 'buttons':
        return [m.attachment.payload.text];
      default:
        return [];
    }
  });
}
