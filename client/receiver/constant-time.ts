/**
 * Equality of two strings in time that depends only on their lengths, for verify tokens.
 * (Signatures never come here: `crypto.subtle.verify` compares them in constant time.)
 */
const encoder = new TextEncoder();

export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let i = 0; i < left.length; i++) difference |= left[i]! ^ right[i]!;
  return difference === 0;
}
