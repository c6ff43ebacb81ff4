/**
 * Ajv errors → `{ location, message }` the way a person reads them: `body.sender.id must NOT
 * have fewer than 20 characters`. For a `oneOf` on `type` (the message unions), only the errors
 * of the variant the `type` names are kept: the other variants' complaints are noise.
 */
import type { ErrorObject } from 'ajv';
import type { FieldError } from '../problem.js';

const ROOTS: Record<string, string> = { requestBody: 'body', query: 'query', path: 'path', header: 'header', headers: 'header', cookie: 'cookie' };

export function fieldErrorsFromAjv(errors: ErrorObject[], body: unknown): FieldError[] {
  const relevant = keepChosenVariants(errors, body);
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const error of relevant) {
    const field = describe(error);
    const key = `${field.location}\u0000${field.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(field);
    }
  }
  return out.length > 0 ? out : [{ location: 'body', message: 'does not match the API contract' }];
}

function describe(error: ErrorObject): FieldError {
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  // openapi-backend validates requestBody as its own root, so its paths have no `requestBody` prefix.
  const fromBody = error.schemaPath.startsWith('#/requestBody') || !ROOTS[segments[0] ?? ''];
  const root = fromBody ? 'body' : ROOTS[segments.shift()!]!;
  if (error.keyword === 'required') segments.push(String((error.params as { missingProperty: string }).missingProperty));
  if (error.keyword === 'additionalProperties') segments.push(String((error.params as { additionalProperty: string }).additionalProperty));
  const location = [root, ...segments].join('.');
  const message =
    error.keyword === 'required' ? 'is required'
    : error.keyword === 'additionalProperties' ? 'is not allowed here'
    : error.keyword === 'enum' ? `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
    : error.keyword === 'const' ? `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`
    : error.keyword === 'parse' ? `is not valid JSON (${error.message})`
    : (error.message ?? 'is invalid');
  return { location, message };
}

/**
 * Within each failing `oneOf`, a variant whose `type` const matched is the one the client meant.
 * Keeps that variant's errors, drops the others' and the `oneOf` summary. When no variant's
 * `type` matched, says which types exist.
 */
function keepChosenVariants(errors: ErrorObject[], body: unknown): ErrorObject[] {
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf');
  if (oneOfs.length === 0) return errors;
  let result = errors;
  for (const oneOf of oneOfs) {
    const branchPrefix = oneOf.schemaPath.replace(/\/oneOf$/, '/oneOf/');
    const inBranch = (e: ErrorObject) => e.schemaPath.startsWith(branchPrefix) && e.instancePath.startsWith(oneOf.instancePath);
    const branchOf = (e: ErrorObject) => e.schemaPath.slice(branchPrefix.length).split('/')[0]!;
    const typeMismatch = (e: ErrorObject) => e.keyword === 'const' && e.instancePath === `${oneOf.instancePath}/type`;
    const branchErrors = result.filter(inBranch);
    const branches = new Set(branchErrors.map(branchOf));
    const mismatched = new Set(branchErrors.filter(typeMismatch).map(branchOf));
    const chosen = [...branches].filter((b) => !mismatched.has(b));
    if (chosen.length > 0 && chosen.length < branches.size) {
      result = result.filter((e) => e !== oneOf && (!inBranch(e) || chosen.includes(branchOf(e))));
    } else if (chosen.length === 0 && mismatched.size > 0) {
      const types = branchErrors.filter(typeMismatch).map((e) => (e.params as { allowedValue: unknown }).allowedValue);
      const target = valueAt(body, oneOf.instancePath.replace(/^\/requestBody/, ''));
      const hasType = Boolean(target && typeof target === 'object' && 'type' in target);
      const summary: ErrorObject = hasType
        ? { ...oneOf, instancePath: `${oneOf.instancePath}/type`, keyword: 'enum', params: { allowedValues: types } }
        : { ...oneOf, keyword: 'required', params: { missingProperty: 'type' } };
      result = [...result.filter((e) => e !== oneOf && !inBranch(e)), summary];
    }
  }
  return result;
}

function valueAt(value: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), value);
}
