/**
 * Secrets at rest: the channels' signing secrets and verify tokens are stored sealed with
 * AES-256-GCM under `SECRETS_KEY` when one is configured, so a copy of the database (a backup, a
 * WAL file, a stolen disk) does not hold them in clear. Without a key they are stored as given,
 * protected only by the database file's permissions (0600) or the PostgreSQL server's access rules.
 *
 * A sealed value names its key (the first 8 bytes of the key's SHA-256, in hex), so values sealed
 * with another key are recognised, and opening them fails loudly instead of signing with garbage.
 * The format: `wcenc:v1:<key id>:<iv>:<tag>:<ciphertext>`, the last three base64url.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'wcenc:v1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;

// Keys by id, for opening: every server started in this process registers its own.
const keyring = new Map<string, Buffer>();

export interface SecretBox {
  /** The value to store: sealed with the key, or as given when none is configured. */
  seal(clear: string): string;
}

export class SecretKeyError extends Error {}

/** `SECRETS_KEY`: 32 bytes as 64 hex characters or as base64. Throws a SecretKeyError otherwise. */
export function parseSecretsKey(text: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES) throw new SecretKeyError('must be 32 bytes, as 64 hex characters or base64 (e.g. `openssl rand -hex 32`)');
  return key;
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

export function createSecretBox(key: Buffer | undefined): SecretBox {
  if (key === undefined) return { seal: (clear) => clear };
  const id = createHash('sha256').update(key).digest('hex').slice(0, 16);
  keyring.set(id, key);
  return {
    seal(clear) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([cipher.update(clear, 'utf8'), cipher.final()]);
      return `${PREFIX}${id}:${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${sealed.toString('base64url')}`;
    },
  };
}

/** The clear value of a stored one (as is when it was not sealed). Throws when its key is not configured. */
export function openSecret(stored: string): string;
export function openSecret(stored: string | null): string | null;
export function openSecret(stored: string | null): string | null {
  if (stored === null || !isSealed(stored)) return stored;
  const [id = '', iv = '', tag = '', sealed = ''] = stored.slice(PREFIX.length).split(':');
  const key = keyring.get(id);
  if (!key) throw new SecretKeyError(`a stored secret is sealed with key ${id}, which is not the configured SECRETS_KEY`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
}
