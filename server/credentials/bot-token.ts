/**
 * Bot API tokens. Only their SHA-256 is stored: tokens are 256 random bits, so a fast hash is
 * enough, and comparing hashes in constant time leaks nothing about the token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { secretsEqual } from './secrets-equal.js';

export function issueBotToken(): string {
  return `wct_${randomBytes(32).toString('base64url')}`;
}

export function hashBotToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function botTokenMatches(token: string, storedHash: string): boolean {
  return secretsEqual(hashBotToken(token), storedHash);
}
