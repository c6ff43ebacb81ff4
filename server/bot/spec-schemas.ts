/**
 * The spec's JSON Schemas, compiled from spec/openapi.yaml itself, so bot definitions and the
 * messages the engine produces are checked against the contract and not against a copy of it.
 */
import Ajv2020M from 'ajv/dist/2020.js';
import addFormatsM from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { components } from '../../spec/generated/api.js';
import { loadSpecDocument } from '../spec-document.js';

const Ajv2020 = Ajv2020M.default;
const addFormats = addFormatsM.default;

type BotMessage = components['schemas']['BotMessage'];
type Ajv = InstanceType<typeof Ajv2020>;

/** A failing value: where it is (a JSON pointer into the checked value) and what is wrong. */
export interface SchemaProblem {
  pointer: string;
  message: string;
  /** The mistake is the key at `pointer`, not its value. */
  atKey?: boolean;
}

interface Union {
  /** Discriminator value → compiled branch. */
  branches: Map<string, ValidateFunction>;
}

interface Compiled {
  ajv: Ajv;
  botMessage: ValidateFunction;
  botMessageUnion: Union;
  /** Unions nested inside bot messages (the spec has one: Button). */
  nestedUnions: Union[];
}

let compiled: Compiled | undefined;

// Compiled on first use, when the bots are loaded at start; a turn never reads the disk because
// a BotDefinition can only exist once this has run.
function schemas(): Compiled {
  if (compiled) return compiled;
  const { document } = loadSpecDocument();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, 'openapi');
  const named = document.components.schemas as Record<string, { discriminator?: { mapping?: Record<string, string> } }>;
  const union = (name: string): Union => {
    const mapping = named[name]?.discriminator?.mapping ?? {};
    return {
      branches: new Map(Object.entries(mapping).map(([value, ref]) => [value, ajv.compile({ $ref: `openapi${ref}` })])),
    };
  };
  const nested = nestedUnionNames(named, 'BotMessage');
  compiled = {
    ajv,
    botMessage: ajv.compile({ $ref: 'openapi#/components/schemas/BotMessage' }),
    botMessageUnion: union('BotMessage'),
    nestedUnions: nested.map(union),
  };
  return compiled;
}

/** Names of the discriminated unions reachable from `root` through `$ref`s, `root` excluded. */
function nestedUnionNames(named: Record<string, unknown>, root: string): string[] {
  const seen = new Set<string>([root]);
  const unions: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
        const name = value.slice('#/components/schemas/'.length);
        if (seen.has(name)) continue;
        seen.add(name);
        const schema = named[name] as { discriminator?: unknown } | undefined;
        if (schema?.discriminator) unions.push(name);
        visit(schema);
      } else {
        visit(value);
      }
    }
  };
  visit(named[root]);
  return unions;
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
 * Why `value` is not a BotMessage, or `[]`. The union's branch is chosen by `type`, as the spec's
 * discriminator says, so a mistake in a button is reported once, not once per kind of button.
 */
export function botMessageProblems(value: unknown): SchemaProblem[] {
  const { botMessageUnion, nestedUnions } = schemas();
  return unionProblems(botMessageUnion, value, '', nestedUnions);
}

/** The `maxLength` limits `value` exceeds, by pointer; `value` must have a known `type`. */
export function botMessageLengthLimits(value: { type: string }): Map<string, number> {
  const validate = schemas().botMessageUnion.branches.get(value.type);
  const limits = new Map<string, number>();
  if (!validate || validate(value)) return limits;
  for (const error of validate.errors ?? []) {
    if (error.keyword !== 'maxLength') continue;
    const limit = Number(error.params.limit);
    limits.set(error.instancePath, Math.min(limit, limits.get(error.instancePath) ?? limit));
  }
  return limits;
}

function unionProblems(union: Union, value: unknown, at: string, nested: Union[]): SchemaProblem[] {
  const type = (value as { type?: unknown } | null)?.type;
  const validate = typeof type === 'string' ? union.branches.get(type) : undefined;
  if (!validate) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return [{ pointer: at, message: 'must be an object' }];
    return [{ pointer: `${at}/type`, message: `must be one of ${[...union.branches.keys()].join(', ')}` }];
  }
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // A failed nested union reports one error per branch; keep only the branch its `type` names.
  const inside = (pointer: string, outer: string) => pointer === outer || pointer.startsWith(`${outer}/`);
  const oneOfPointers = [...new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath))];
  const unionPointers = oneOfPointers.filter((p) => !oneOfPointers.some((q) => q !== p && inside(p, q)));
  const inUnion = (pointer: string) => unionPointers.some((p) => inside(pointer, p));
  const problems = errors.filter((e) => !inUnion(e.instancePath)).map((e) => toProblem(e, at));
  for (const pointer of unionPointers) {
    const inner = valueAt(value, pointer);
    const innerType = (inner as { type?: unknown } | null)?.type;
    const owner = nested.find((u) => typeof innerType === 'string' && u.branches.has(innerType)) ?? nested[0];
    if (owner) problems.push(...unionProblems(owner, inner, at + pointer, nested));
  }
  return dedupe(problems);
}

function toProblem(error: ErrorObject, at: string): SchemaProblem {
  const pointer = at + error.instancePath;
  switch (error.keyword) {
    case 'additionalProperties':
      return { pointer: `${pointer}/${escape(String(error.params.additionalProperty))}`, message: 'is not a known property', atKey: true };
    case 'const':
      return { pointer, message: `must be ${JSON.stringify(error.params.allowedValue)}` };
    case 'enum':
      return { pointer, message: `must be one of ${(error.params.allowedValues as unknown[]).join(', ')}` };
    default:
      // Ajv reports a bad key through the key's own failing keyword, with `propertyName` set.
      if (typeof error.propertyName === 'string') {
        return { pointer: `${pointer}/${escape(error.propertyName)}`, message: `name ${error.message ?? 'is not valid'}`, atKey: true };
      }
      return { pointer, message: error.message ?? 'is not valid' };
  }
}

/** Turns Ajv errors of any schema into problems, with keys reported at their own pointer. */
export function ajvProblems(errors: ErrorObject[] | null | undefined): SchemaProblem[] {
  return dedupe((errors ?? []).filter((e) => e.keyword !== 'propertyNames').map((e) => toProblem(e, '')));
}

function dedupe(problems: SchemaProblem[]): SchemaProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.pointer}\n${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The JSON pointer's segments, unescaped. */
export function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(value: unknown, pointer: string): unknown {
  return pointerSegments(pointer).reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], value);
}
