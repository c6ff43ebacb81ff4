/**
 * What a parsed request body may hold beyond what JSON.parse accepts, checked before anything
 * else reads it:
 * - how deeply it nests. JSON.parse copes with any depth, but everything after it that walks the
 *   value (the idempotency hash, JSON.stringify when the session is saved, templates) recurses,
 *   and 5,000 nested arrays overflow the stack: such a body is refused here, before anything
 *   recurses on it;
 * - numbers a double cannot hold. JSON.parse reads `1e400` as Infinity, which JSON.stringify
 *   writes back as `null`: the value would be stored and hashed as something the client did not
 *   send (RFC 8259 §6 lets a receiver limit the range), so it is refused, naming the field.
 */

/** Objects and arrays inside one another, counting the body itself as level 1. */
export const MAX_JSON_DEPTH = 32;

/** The first value of a body that breaks a limit: its path (keys and indexes from the root) and why. */
export interface JsonLimitBreach {
  path: string[];
  message: string;
}

/**
 * The first value nested deeper than `maxDepth`, or a number out of a double's range, or
 * `undefined` when there is none. Iterative, so the check itself cannot overflow the stack.
 *
 * @example findJsonLimitBreach(JSON.parse('{"a":[1e400]}')) // { path: ['a', '0'], message: 'is a number too large to be represented' }
 */
export function findJsonLimitBreach(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonLimitBreach | undefined {
  const stack: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: at, path } = stack.pop()!;
    if (typeof at === 'number' && !Number.isFinite(at)) return { path, message: 'is a number too large to be represented' };
    if (at === null || typeof at !== 'object') continue;
    if (path.length >= maxDepth) return { path, message: `nests deeper than ${maxDepth} levels of objects and arrays` };
    // Own enumerable keys only, as JSON.parse makes them; a `__proto__` key is an ordinary one.
    for (const key of Object.keys(at)) stack.push({ value: (at as Record<string, unknown>)[key], path: [...path, key] });
  }
  return undefined;
}
