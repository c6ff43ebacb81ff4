/**
 * Bot definitions: one YAML file per bot in bots/, the bot's id being the file's name.
 * A definition is checked completely when it is loaded (shape, every bot message against the
 * spec, regular expressions, references between states), so a running bot cannot meet a mistake.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import type { components } from '../../spec/generated/api.js';
import { definitionProblems } from './definition-checks.js';
import { BotDefinitionError, locateProblem } from './definition-error.js';
import type { ExpectedInput, RawDefinition } from './definition-schema.js';
import { compilePattern, normalizeText, type Intent } from './intents.js';
import { ajvProblems, specValidator, type SchemaProblem } from './spec-schemas.js';
import { messageTemplate, type MessageTemplate } from './template.js';

export { BotDefinitionError, type DefinitionProblem } from './definition-error.js';
export type { ExpectedInput } from './definition-schema.js';

type BotMessage = components['schemas']['BotMessage'];

/** Where a kind of user message leads, and the variable that keeps what it carried. */
export interface Reaction {
  goto: string;
  capture?: string;
}

export interface BotState {
  name: string;
  messages: readonly MessageTemplate[];
  /** The state that follows at once, in the same answer. */
  next?: string;
  /** Payload → state, only while the conversation is in this state. */
  postbacks: ReadonlyMap<string, string>;
  /** What this state asked for, tried before intents. */
  expect: Readonly<Partial<Record<ExpectedInput, Reaction>>>;
}

export interface BotDefinition {
  id: string;
  /** The file it was loaded from, as given. */
  file: string;
  description?: string;
  intro: string;
  fallback: string;
  states: ReadonlyMap<string, BotState>;
  /** Payload → state, wherever the button or quick reply was shown. */
  postbacks: ReadonlyMap<string, string>;
  intents: readonly Intent[];
  location?: Reaction;
  attachment?: Reaction;
}

function validate(): { shape: ValidateFunction; botId: ValidateFunction } {
  return { shape: specValidator('definition'), botId: specValidator('botId') };
}

/**
 * Parses and checks one definition. `file` names it in errors.
 * @throws BotDefinitionError listing every mistake, each with its path and line.
 * @example parseBotDefinition('demo', await readFile('bots/demo.yaml', 'utf8'), 'bots/demo.yaml')
 */
export function parseBotDefinition(id: string, yamlText: string, file: string): BotDefinition {
  if (!validate().botId(id)) {
    throw new BotDefinitionError(file, [{ path: '', message: `'${id}' is not a valid bot id (letters, digits, _ and -, up to 64)` }]);
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(yamlText, { lineCounter });
  if (document.errors.length > 0) {
    throw new BotDefinitionError(
      file,
      document.errors.map((error) => ({
        path: '',
        // The parser's message repeats the position and quotes the source; the position is kept apart.
        message: `invalid YAML: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
        line: error.linePos?.[0].line,
        column: error.linePos?.[0].col,
      })),
    );
  }
  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    // yaml refuses to expand aliases past a limit (the "billion laughs" guard).
    throw new BotDefinitionError(file, [{ path: '', message: `invalid YAML: ${(error as Error).message}` }]);
  }
  const fail = (problems: SchemaProblem[]): never => {
    throw new BotDefinitionError(file, problems.map((p) => locateProblem(p, data, document, lineCounter)));
  };
  const { shape } = validate();
  if (!shape(data)) fail(ajvProblems(shape.errors, data));
  const raw = data as RawDefinition;
  const problems = definitionProblems(raw);
  if (problems.length > 0) fail(problems);
  return build(id, file, raw);
}

/**
 * Loads every `*.yaml` / `*.yml` file of `dir`, keyed by bot id (the file name without extension).
 * @throws BotDefinitionError for the first file, in name order, that has a mistake.
 * @example const bots = await loadBotDefinitions('bots'); bots.get('demo')
 */
export async function loadBotDefinitions(dir: string): Promise<Map<string, BotDefinition>> {
  const names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  const bots = new Map<string, BotDefinition>();
  for (const name of names) {
    const id = name.replace(/\.ya?ml$/, '');
    const file = join(dir, name);
    if (bots.has(id)) {
      throw new BotDefinitionError(file, [{ path: '', message: `bot '${id}' is already defined by ${bots.get(id)!.file}` }]);
    }
    bots.set(id, parseBotDefinition(id, await readFile(file, 'utf8'), file));
  }
  return bots;
}

function build(id: string, file: string, raw: RawDefinition): BotDefinition {
  const states = new Map<string, BotState>();
  for (const [name, state] of Object.entries(raw.states)) {
    states.set(name, {
      name,
      messages: state.messages.map((m) => messageTemplate(m as BotMessage)),
      next: state.next,
      postbacks: new Map(Object.entries(state.postbacks ?? {})),
      expect: { ...state.expect },
    });
  }
  return {
    id,
    file,
    description: raw.description,
    intro: raw.intro,
    fallback: raw.fallback,
    states,
    postbacks: new Map(Object.entries(raw.postbacks ?? {})),
    intents: (raw.intents ?? []).map((intent) => ({
      name: intent.name,
      keywords: (intent.keywords ?? []).map(normalizeText),
      patterns: (intent.patterns ?? []).map(compilePattern),
      goto: intent.goto,
    })),
    location: raw.location,
    attachment: raw.attachment,
  };
}
