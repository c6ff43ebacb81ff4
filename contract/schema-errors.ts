/**
 * The one rule that turns Ajv's errors into what a person reads, `{ pointer, message }`, used by
 * the API's 400 problems, the bot definitions' load errors and the receiver kit's `invalid_body`.
 *
 * A `oneOf` with a discriminator (the spec's message unions) is read the way the discriminator
 * says (OpenAPI 3.1 section 4.8.25): the value's discriminator property picks the one branch
 * that counts, and only that branch's errors are reported. When the property is missing, the
 * one error is that it is required, with the values it may take; when it names no branch, the
 * one error is that it must be one of them. The other branches' complaints (a `text` that is
 * "not allowed" in a postback, say) are never shown: they contradict what the user meant.
 *
 * Ajv does the choosing itself with its `discriminator` option, on the document as
 * `validationDocument` prepares it, and with `verbose` so that the allowed values can be read
 * from the failing schema: compile with `CONTRACT_AJV_OPTIONS`.
 * @see https://spec.openapis.org/oas/v3.1.0#discriminator-object
 * @see https://ajv.js.org/json-schema.html#discriminator
 */
import { escapePointerSegment, valueAtPointer } from './json-pointer.js';
import { DISCRIMINATOR_VALUES_KEY } from './validation-document.js';

/** The parts of an Ajv `ErrorObject` the rule reads (so the kit needs no Ajv types). */
export interface SchemaErrorInput {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  /** Set by Ajv when the error is about a property's name. */
  propertyName?: string;
  /** Set by Ajv with `verbose: true`: the schema holding the failing keyword. */
  parentSchema?: unknown;
}

/** One failing place: a JSON pointer into the checked value, and what is wrong there. */
export interface SchemaError {
  pointer: string;
  message: string;
  /** The mistake is the key at `pointer` (an unknown or badly named property), not its value. */
  atKey?: boolean;
}

/**
 * The Ajv options every validator of the contract is compiled with (on top of its own), so that
 * `schemaErrors` can read what it needs: the discriminator chooses the branch, and `verbose`
 * puts the failing schema on each error.
 */
export const CONTRACT_AJV_OPTIONS = { strict: false, discriminator: true, verbose: true } as const;

/**
 * Ajv's errors for `value`, as the failing places a person should fix, each once.
 *
 * @example
 * validate(body) || schemaErrors(validate.errors ?? [], body)
 * // [{ pointer: '/message/type', message: 'is required (one of "text", "postback", …)' }]
 */
export function schemaErrors(errors: readonly SchemaErrorInput[], value: unknown): SchemaError[] {
  const seen = new Set<string>();
  const out: SchemaError[] = [];
  for (const error of errors) {
    const described = describe(error, value);
    if (!described) continue;
    const key = `${described.pointer}\u0000${described.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(described);
  }
  return out;
}

/** A `message` for one Ajv error; `undefined` for errors that only summarize others. */
function describe(error: SchemaErrorInput, value: unknown): SchemaError | undefined {
  const pointer = error.instancePath;
  const params = error.params;
  switch (error.keyword) {
    case 'required':
      return { pointer: `${pointer}/${escapePointerSegment(String(params.missingProperty))}`, message: (params.message as string | undefined) ?? 'is required' };
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const name = params.additionalProperty ?? params.unevaluatedProperty;
      return { pointer: `${pointer}/${escapePointerSegment(String(name))}`, message: 'is not allowed here', atKey: true };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[] | undefined) ?? [];
      return { pointer, message: allowed.length > 0 ? `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` : 'is not a known value' };
    }
    case 'const':
      return { pointer, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'discriminator':
      return describeDiscriminator(error, value);
    // Ajv reports a bad property name twice: through the name's own failing keyword (with
    // `propertyName` set, handled below) and as this summary.
    case 'propertyNames':
      return undefined;
    default:
      if (typeof error.propertyName === 'string') {
        return { pointer: `${pointer}/${escapePointerSegment(error.propertyName)}`, message: `name ${error.message ?? 'is not valid'}`, atKey: true };
      }
      return { pointer, message: error.message ?? `fails ${error.keyword}` };
  }
}

/**
 * Ajv's `discriminator` error: the tag is missing or not a string (`error: 'tag'`), or names no
 * branch (`error: 'mapping'`). Either way, one error at the tag, listing the values it may take.
 */
function describeDiscriminator(error: SchemaErrorInput, value: unknown): SchemaError {
  const tag = String(error.params.tag);
  const pointer = `${error.instancePath}/${escapePointerSegment(tag)}`;
  const discriminator = (error.parentSchema as { discriminator?: Record<string, unknown> } | undefined)?.discriminator;
  const values = Object.keys((discriminator?.[DISCRIMINATOR_VALUES_KEY] as Record<string, unknown> | undefined) ?? {});
  const list = values.map((v) => JSON.stringify(v)).join(', ');
  const target = valueAtPointer(value, error.instancePath);
  const present = target !== null && typeof target === 'object' && Object.hasOwn(target, tag);
  if (!present) return { pointer, message: list ? `is required (one of ${list})` : 'is required' };
  return { pointer, message: list ? `must be one of ${list}` : (error.message ?? 'names no known type') };
}
