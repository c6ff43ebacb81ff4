/**
 * The spec's JSON Schemas, compiled from spec/openapi.yaml itself, so bot definitions and the
 * messages the engine produces are checked against the contract and not against a copy of it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv2020M from 'ajv/dist/2020.js';
import addFormatsM from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { pointerSegments } from '../../contract/json-pointer.js';
import { CONTRACT_AJV_OPTIONS, schemaErrors, type SchemaError, type SchemaErrorInput } from '../../contract/schema-errors.js';
import { validationDocument } from '../../contract/validation-document.js';
import type { components } from '../../spec/generated/api.js';
import { packageFile } from '../../contract/spec-file.js';
import { loadSpecDocument, specTextHash, type SpecDocument } from '../spec-document.js';
import { definitionSchema } from './definition-schema.js';

/** Written by `npm run build` (server/bot/build-spec-schemas.ts). */
export const PRECOMPILED_SPEC_SCHEMAS_FILE = packageFile('dist/server/spec-schemas.cjs');

const Ajv2020 = Ajv2020M.default;
const addFormats = addFormatsM.default;

type BotMessage = components['schemas']['BotMessage'];
type Ajv = InstanceType<typeof Ajv2020>;

/** A failing value: where it is (a JSON pointer into the checked value) and what is wrong. */
export type SchemaProblem = SchemaError;

/** The prefix of the names of the BotMessage union's branches, by message type (`branch-text`). */
const BRANCH = 'branch-';

/**
 * Every schema the engine validates with, by name: the BotMessage union and each of its branches
 * (for `botMessageLengthLimits`), a bot id, and a bot definition. Each may `$ref` the spec as
 * `openapi#/components/...`.
 */
export function specSchemas(document: SpecDocument['document']): Record<string, object> {
  const named = document.components.schemas as Record<string, { discriminator?: { mapping?: Record<string, string> } }>;
  const mapping = named.BotMessage?.discriminator?.mapping ?? {};
  return {
    botMessage: { $ref: 'openapi#/components/schemas/BotMessage' },
    botId: { $ref: 'openapi#/components/schemas/BotId' },
    definition: definitionSchema,
    ...Object.fromEntries(Object.entries(mapping).map(([type, ref]) => [`${BRANCH}${type}`, { $ref: `openapi${ref}` }])),
  };
}

/** The Ajv all of them are compiled in, with the spec added as `openapi`. `source` keeps the generated code (for the build). */
export function specAjv(document: SpecDocument['document'], { source = false }: { source?: boolean } = {}): Ajv {
  // The contract's options and document view, which the error rule relies on (contract/schema-errors.ts).
  // validateSchema off: the document is linted by Redocly and Spectral; checking it against the
  // 2020-12 meta-schema again cost a sixth of the cold start.
  const ajv = new Ajv2020({ ...CONTRACT_AJV_OPTIONS, allErrors: true, validateSchema: false, ...(source && { code: { source: true } }) });
  addFormats(ajv);
  ajv.addSchema(validationDocument(document), 'openapi');
  return ajv;
}

/** What the compiled validators depend on besides the spec's text: the definition schema and the options. */
export function specSchemasHash(spec: SpecDocument): string {
  return specTextHash(`${spec.text}\n${JSON.stringify(definitionSchema)}\n${JSON.stringify(CONTRACT_AJV_OPTIONS)}`);
}

interface Compiled {
  /** The validator of a name of `specSchemas`, compiled on first use (or loaded, built ahead of time). */
  named(name: string): ValidateFunction | undefined;
  /** The spec's Ajv, for `compileWithSpec`. */
  ajv(): Ajv;
}

let compiled: Compiled | undefined;

// Made on first use, when the bots are loaded at start; a turn never reads the disk because a
// BotDefinition can only exist once this has run. The validators `npm run build` compiled
// (build-spec-schemas.ts) are used when they came from this very spec and definition schema:
// compiling them here was about a third of the CPU of a cold start after the bundle.
function schemas(): Compiled {
  if (compiled) return compiled;
  const spec = loadSpecDocument();
  const precompiled = loadPrecompiledSpecSchemas(spec);
  let ajv: Ajv | undefined;
  const specAjvOnce = () => (ajv ??= specAjv(spec.document));
  const all = specSchemas(spec.document);
  const made = new Map<string, ValidateFunction>(precompiled ? Object.entries(precompiled) : []);
  compiled = {
    named(name) {
      let validate = made.get(name);
      if (!validate && all[name]) made.set(name, (validate = specAjvOnce().compile(all[name]!)));
      return validate;
    },
    ajv: specAjvOnce,
  };
  return compiled;
}

/** The validators of the build (dist/server/spec-schemas.cjs), if made from this spec and definition schema. */
export function loadPrecompiledSpecSchemas(spec: SpecDocument, file = PRECOMPILED_SPEC_SCHEMAS_FILE): Record<string, ValidateFunction> | undefined {
  if (!existsSync(file)) return undefined;
  const loaded = createRequire(import.meta.url)(file) as { sha256: string; validators: Record<string, ValidateFunction> };
  return loaded.sha256 === specSchemasHash(spec) ? loaded.validators : undefined;
}

/** The validator of a name of `specSchemas` (`definition`, `botId`, `botMessage`, `branch-<type>`). */
export function specValidator(name: 'definition' | 'botId' | 'botMessage'): ValidateFunction {
  return schemas().named(name)!;
}

/** Whether `value` is a BotMessage the spec accepts. */
export function isBotMessage(value: unknown): value is BotMessage {
  return specValidator('botMessage')(value) === true;
}

/** Compiles a schema in the same Ajv as the spec, so it can `$ref` `openapi#/components/...`. */
export function compileWithSpec(schema: object): ValidateFunction {
  return schemas().ajv().compile(schema);
}

/**
 * Why `value` is not a BotMessage, or `[]`, by the contract core's one rule: the union's branch
 * is chosen by `type`, as the spec's discriminator says, so a mistake in a button is reported
 * once, not once per kind of button, and a message without `type` is told just that.
 */
export function botMessageProblems(value: unknown): SchemaProblem[] {
  const botMessage = specValidator('botMessage');
  return botMessage(value) ? [] : schemaErrors(botMessage.errors ?? [], value);
}

/** The `maxLength` limits `value` exceeds, by pointer; `value` must have a known `type`. */
export function botMessageLengthLimits(value: { type: string }): Map<string, number> {
  const validate = schemas().named(`${BRANCH}${value.type}`);
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
