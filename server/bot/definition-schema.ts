/**
 * The JSON Schema of a bot definition file (bots/<id>.yaml). It checks the shape only: each bot
 * message is checked against the spec's BotMessage, and references between states, by
 * definition.ts.
 *
 * Names that reach the wire or the session reuse the spec's own schemas (`openapi#/…`), so the
 * definition cannot accept a payload or a variable name the API would refuse.
 */
export const definitionSchema = {
  $id: 'bot-definition',
  type: 'object',
  additionalProperties: false,
  required: ['intro', 'fallback', 'states'],
  properties: {
    description: { type: 'string', description: 'What the bot is for, for people reading the file.' },
    intro: {
      $ref: '#/$defs/stateName',
      description: 'The state that answers an `intro` user message, and a first message the bot does not understand.',
    },
    fallback: {
      $ref: '#/$defs/stateName',
      description: 'The state that answers anything else the bot does not understand; the conversation stays where it was.',
    },
    postbacks: {
      $ref: '#/$defs/postbacks',
      description: 'Payload → state, for clicks on buttons and quick replies wherever they were shown.',
    },
    intents: {
      type: 'array',
      description: 'Tried in order on typed text.',
      items: { $ref: '#/$defs/intent' },
    },
    location: { $ref: '#/$defs/reaction', description: 'What a shared location leads to.' },
    attachment: { $ref: '#/$defs/reaction', description: 'What a sent file leads to.' },
    states: {
      type: 'object',
      minProperties: 1,
      propertyNames: { $ref: '#/$defs/stateName' },
      additionalProperties: { $ref: '#/$defs/state' },
    },
  },
  $defs: {
    stateName: {
      type: 'string',
      description: 'Stored as the conversation state, and shown in the session.',
      pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$',
    },
    variableName: { $ref: 'openapi#/components/schemas/SessionVariables/propertyNames' },
    postbacks: {
      type: 'object',
      propertyNames: { $ref: 'openapi#/components/schemas/Payload' },
      additionalProperties: { $ref: '#/$defs/stateName' },
    },
    reaction: {
      type: 'object',
      additionalProperties: false,
      required: ['goto'],
      properties: {
        goto: { $ref: '#/$defs/stateName' },
        capture: { $ref: '#/$defs/variableName', description: 'The variable that keeps what the user sent.' },
      },
    },
    intent: {
      type: 'object',
      additionalProperties: false,
      required: ['goto'],
      properties: {
        name: { type: 'string', minLength: 1 },
        keywords: {
          type: 'array',
          minItems: 1,
          description: 'Whole words or phrases, compared without case, accents or punctuation.',
          items: { type: 'string', minLength: 1 },
        },
        patterns: {
          type: 'array',
          minItems: 1,
          description: 'JavaScript regular expressions, case-insensitive; named groups are captured as variables.',
          items: { type: 'string', minLength: 1 },
        },
        goto: { $ref: '#/$defs/stateName' },
      },
    },
    state: {
      type: 'object',
      additionalProperties: false,
      required: ['messages'],
      properties: {
        messages: {
          type: 'array',
          minItems: 1,
          description: "Bot messages exactly as the spec's BotMessage, with {{name}} placeholders in their strings.",
          items: { type: 'object' },
        },
        next: { $ref: '#/$defs/stateName', description: 'The state that follows at once, in the same answer.' },
        postbacks: { $ref: '#/$defs/postbacks', description: 'Payload → state, only while the conversation is in this state.' },
        expect: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          description: 'What the state asks for; tried before intents while the conversation is in this state.',
          properties: {
            text: { $ref: '#/$defs/reaction' },
            location: { $ref: '#/$defs/reaction' },
            attachment: { $ref: '#/$defs/reaction' },
          },
        },
      },
    },
  },
} as const;

export type ExpectedInput = 'text' | 'location' | 'attachment';

interface RawReaction {
  goto: string;
  capture?: string;
}

/** A definition file's data once it has passed definitionSchema. */
export interface RawDefinition {
  description?: string;
  intro: string;
  fallback: string;
  postbacks?: Record<string, string>;
  intents?: { name?: string; keywords?: string[]; patterns?: string[]; goto: string }[];
  location?: RawReaction;
  attachment?: RawReaction;
  states: Record<
    string,
    {
      messages: object[];
      next?: string;
      postbacks?: Record<string, string>;
      expect?: Partial<Record<ExpectedInput, RawReaction>>;
    }
  >;
}
