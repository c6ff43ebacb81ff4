/**
 * Standard base64 (RFC 4648 section 4, `+/` alphabet) with `atob`/`btoa`, which Node 20, Deno,
 * Bun, browsers and edge runtimes all have, so the kit needs no `Buffer`.
 */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The bytes of `text`, or `undefined` when it is not base64 (padding may be left out). */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  if (text.length !== unpadded.length && text.length % 4 !== 0) return undefined;
  let binary: string;
  try {
    binary = atob(unpadded);
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
