/**
 * The OpenAPI document as the validators compile it. Two differences from spec/openapi.yaml,
 * both about discriminated unions (`oneOf` + `discriminator`):
 * - Ajv's `discriminator` option refuses a `mapping` (ajv-validator/ajv#1815), which the spec
 *   keeps for openapi-typescript (without it the generated union is tagged by schema names). It
 *   is moved aside, where the error rule (schema-errors.ts) still reads the allowed values.
 * - Ajv applies a discriminator to objects only, so a union schema gets `type: object`: a string
 *   where a message should be must fail, not pass every branch unchecked.
 */

/** Where a discriminator's `mapping` is kept in the validation document. */
export const DISCRIMINATOR_VALUES_KEY = 'x-mapping';

/**
 * A copy of `document` ready for Ajv with `CONTRACT_AJV_OPTIONS`; `document` is not changed.
 *
 * @example ajv.addSchema(validationDocument(spec), 'openapi');
 */
export function validationDocument<T>(document: T): T {
  const copy = structuredClone(document);
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const schema = node as Record<string, unknown>;
    const discriminator = schema.discriminator as Record<string, unknown> | undefined;
    if (discriminator && typeof discriminator === 'object' && Array.isArray(schema.oneOf)) {
      const { mapping, ...rest } = discriminator;
      schema.discriminator = mapping === undefined ? rest : { ...rest, [DISCRIMINATOR_VALUES_KEY]: mapping };
      schema.type ??= 'object';
    }
    Object.values(schema).forEach(visit);
  };
  visit(copy);
  return copy;
}
