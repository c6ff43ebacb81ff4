/**
 * A bound on how deeply a request body nests. JSON.parse copes with any depth, but everything
 * after it that walks the value (the idempotency hash, JSON.stringify when the session is saved,
 * templates) recurses, and 5,000 nested arrays overflow the stack: such a body is refused here,
 * before anything recurses on it.
 */

/** Objects and arrays inside one another, counting the body itself as level 1. */
export const MAX_JSON_DEPTH = 32;

/**
 * The path (keys and indexes from the root) of the first value nested deeper than `maxDepth`, or
 * `undefined` when none is. Iterative, so the check itself cannot overflow the stack.
 */
export function findTooDeep(value: unknown, maxDepth = MAX_JSON_DEPTH): string[] | undefined {
  const stack: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: at, path } = stack.pop()!;
    if (at === null || typeof at !== 'object') continue;
    if (path.length >= maxDepth) return path;
    // Own enumerable keys only, as JSON.parse makes them; a `__proto__` key is an ordinary one.
    for (const key of Object.keys(at)) stack.push({ value: (at as Record<string, unknown>)[key], path: [...path, key] });
  }
  return undefined;
}
