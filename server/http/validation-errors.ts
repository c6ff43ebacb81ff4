/**
 * openapi-backend's Ajv errors → the `{ location, message }` list of a 400 problem. The reading
 * of each error (and of `oneOf`s by their discriminator) is the contract core's one rule; this
 * only says which part of the request each error is in: `body.sender.id`, `query.limit`.
 */
import type { ErrorObject } from 'ajv';
import { locationOf } from '../../contract/json-pointer.js';
import { schemaErrors, type SchemaErrorInput } from '../../contract/schema-errors.js';
import type { FieldError } from '../problem.js';

const ROOTS: Record<string, string> = { requestBody: 'body', query: 'query', path: 'path', header: 'header', headers: 'header', cookie: 'cookie' };

/** The failing fields of a request, named from its root (`body.…`, `query.…`); `body` is the request body as validated. */
export function fieldErrorsFromAjv(errors: ErrorObject[], body: unknown): FieldError[] {
  // openapi-backend validates every part as a property of one object (`/requestBody/…`,
  // `/query/…`); a body error may also come without that prefix.
  const byRoot = new Map<string, SchemaErrorInput[]>();
  for (const error of errors) {
    const [first = '', ...rest] = error.instancePath.split('/').slice(1);
    const prefixed = !error.schemaPath.startsWith('#/requestBody') && ROOTS[first] !== undefined;
    const root = prefixed ? first : 'requestBody';
    const instancePath = prefixed ? rest.map((s) => `/${s}`).join('') : error.instancePath;
    byRoot.set(root, [...(byRoot.get(root) ?? []), { ...error, instancePath, params: error.params as Record<string, unknown> }]);
  }
  const out: FieldError[] = [];
  for (const [root, rootErrors] of byRoot) {
    const value = root === 'requestBody' ? body : undefined;
    for (const { pointer, message } of schemaErrors(rootErrors, value)) out.push({ location: locationOf(ROOTS[root]!, pointer), message });
  }
  return out.length > 0 ? out : [{ location: 'body', message: 'does not match the API contract' }];
}
