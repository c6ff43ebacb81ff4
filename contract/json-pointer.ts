/**
 * JSON Pointers (RFC 6901): the one way this project names a place inside a JSON value, and the
 * dotted `location` the API's problems show (`body.message.type`).
 * @see https://www.rfc-editor.org/rfc/rfc6901
 */

/** A pointer's segments, unescaped: `/a~1b/0` → `['a/b', '0']`; `''` (the whole value) → `[]`. */
export function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** One segment escaped for a pointer: `a/b` → `a~1b`. */
export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The pointer of `segments`: `['a/b', 0]` → `/a~1b/0`. */
export function pointerOf(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${escapePointerSegment(String(s))}`).join('');
}

/** `child` is `parent` or inside it (`/a/b` is inside `/a`, `/ab` is not). */
export function isWithinPointer(child: string, parent: string): boolean {
  return child === parent || child.startsWith(`${parent}/`);
}

/** The value a pointer names, or `undefined` when any step is missing. */
export function valueAtPointer(value: unknown, pointer: string): unknown {
  let at = value;
  for (const key of pointerSegments(pointer)) {
    if (!at || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * The dotted location of a pointer under a root, as problems name fields:
 * `locationOf('body', '/message/buttons/0/title')` → `body.message.buttons.0.title`.
 */
export function locationOf(root: string, pointer: string): string {
  return [root, ...pointerSegments(pointer)].join('.');
}
