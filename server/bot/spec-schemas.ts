/**
 * The spec's JSON Schemas, compiled from spec/openapi.yaml itself, so bot definitions and the
 * messages the engine produces are checked against the contract and not against a copy of it.
 */
import Ajv2020M from 'ajv/dist/2020.js';
import addFormatsM from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { pointerSegments } from '../../contract/json-pointer.js';
import { CONTRACT_AJV_OPTIONS, schemaErrors, type SchemaError, type SchemaErrorInput } from '../../contract/schema-errors.js';
import { validationDocument } from '../../contract/validation-document.js';
import type { components } from '../../spec/generated/api.js';
import { loadSpecDocument } from '../spec-document.js';

const Ajv2020 = Ajv2020M.default;
const addFormats = addFormatsM.default;

type BotMessage = components['schemas']['BotMessage'];
type Ajv = InstanceType<typeof Ajv2020>;

/** A failing value: where it is (a JSON pointer into the checked value) and what is wrong. */
export type SchemaProblem = SchemaError;

interface Union {
  /** Discriminator value → compiled branch. */
  branches: Map<string, ValidateFunction>;
}

interface Compiled {
  ajv: Ajv;
  botMessage: ValidateFunction;
  /** For `botMessageLengthLimits`: each message type's own schema, compiled at the first turn (not needed to load bots). */
  botMessageUnion(): Union;
}

let compiled: Compiled | undefined;

// Compiled on first use, when the bots are loaded at start; a turn never reads the disk because
// a BotDefinition can only exist once this has run.
function schemas(): Compiled {
  if (compiled) return compiled;
  const { document } = loadSpecDocument();
  // The contract's options and document view, which the error rule relies on (contract/schema-errors.ts).
  // validateSchema off: the document is linted by Redocly and Spectral; checking it against the
  // 2020-12 meta-schema again cost a sixth of the cold start.
  const ajv = new Ajv2020({ ...CONTRACT_AJV_OPTIONS, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(validationDocument(document), 'openapi');
  const named = document.components.schemas as Record<string, { discriminator?: { mapping?: Record<string, string> } }>;
  let messageUnion: Union | undefined;
  const union = (name: string): Union => {
    const mapping = named[name]?.discriminator?.mapping ?? {};
    return {
      branches: new Map(Object.entries(mapping).map(([value, ref]) => [value, ajv.compile({ $ref: `openapi${ref}` })])),
    };
  };
  compiled = {
    ajv,
    botMessage: ajv.compile({ $ref: 'openapi#/components/schemas/BotMessage' }),
    botMessageUnion: () => (messageUnion ??= union('BotMessage')),
  };
  return compiled;
}

/** Whether `value` is a BotMessage the spec accepts. */
export function isBotMessage(value: unknown): value is BotMessage {
  return schemas().botMessage(value) === true;
}

/** Compiles a schema in the same Ajv as the spec, so it can `$ref` `openapi#/components/...`. */
export function compileWithSpec(schema: object): ValidateFunction {
  return schemas().ajv.compile(schema);
}

/**
 * Why `value` is not a BotMessage, or `[]`, by the contract core's one rule: the union's branch
 * is chosen by `type`, as the spec's discriminator says, so a mistake in a button is reported
 * once, not once per kind of button, and a message without `type` is told just that.
 */
export function botMessageProblems(value: unknown): SchemaProblem[] {
  const { botMessage } = schemas();
  return botMessage(value) ? [] : schemaErrors(botMessage.errors ?? [], value);
}

/** The `maxLength` limits `value` exceeds, by pointer; `value` must have a known `type`. */
export function botMessageLengthLimits(value: { type: string }): Map<string, number> {
  const validate = schemas().botMessageUnion().branches.get(value.type);
  const limits = new Map<string, number>();
  if (!validate || validate(value)) return limits;
  for (const error of validate.errors ?? []) {
    if (error.keyword !== 'maxLength') continue;
    const limit = Number(error.params.limit);
    limits.set(error.instancePath, Math.min(limit, limits.get(error.instancePath) ?? limit));
  }
  return limits;
}

/** Turns Ajv errors of any schema into problems, with keys reported at their own pointer. */
export function ajvProblems(errors: ErrorObject[] | null | undefined, value: unknown): SchemaProblem[] {
  return schemaErrors((errors ?? []) as SchemaErrorInput[], value);
}

/** The JSON pointer's segments, unescaped. */
export { pointerSegments };
