/**
 * Reads request headers the same way from a fetch `Headers` and from a Node-style record
 * (`req.headers`, where names are lower case and repeated headers may be arrays).
 */

/** What every receiver entry point accepts as headers. */
export type HeadersLike = Headers | Record<string, string | string[] | undefined>;

/** The header's value (repeated values joined with `, `, as `Headers.get` does), or `undefined`. */
export function headerValue(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).has === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  const wanted = name.toLowerCase();
  let value = record[wanted];
  if (value === undefined) {
    const key = Object.keys(record).find((k) => k.toLowerCase() === wanted);
    if (key !== undefined) value = record[key];
  }
  return Array.isArray(value) ? value.join(', ') : value;
}
