/**
 * The bound on a conversation's session. Variables merge into the session on every send and
 * stay, and every send reads, merges and writes the whole session inside its transaction: left
 * unbounded, 60 sends of 100 new 2 KB variables made a 14.5 MB session and a 4 s accept. A send
 * that would grow the session past either limit is refused (422 `session-too-large`); a session
 * already past a limit (a limit lowered since) keeps working as long as a send does not grow it.
 */
import { Problem } from '../problem.js';

export interface SessionLimits {
  /** Variables in one session. */
  maxVariables: number;
  /** Bytes of the session's variables as UTF-8 JSON. */
  maxBytes: number;
}

export interface SessionSize {
  variables: number;
  bytes: number;
}

export function sessionSize(variables: Record<string, unknown>): SessionSize {
  return { variables: Object.keys(variables).length, bytes: Buffer.byteLength(JSON.stringify(variables)) };
}

/**
 * Throws `Problem.sessionTooLarge` when `after` passes a limit that `before` did not already pass
 * with as much. `location` names what the client sent that grew it.
 */
export function assertSessionWithinLimits(before: SessionSize, after: SessionSize, limits: SessionLimits, location: string): void {
  const errors: { location: string; message: string }[] = [];
  if (after.variables > limits.maxVariables && after.variables > before.variables) {
    errors.push({ location, message: `would grow the session to ${after.variables} variables; a session holds at most ${limits.maxVariables}` });
  }
  if (after.bytes > limits.maxBytes && after.bytes > before.bytes) {
    errors.push({ location, message: `would grow the session to ${after.bytes} bytes of JSON; a session holds at most ${limits.maxBytes}` });
  }
  if (errors.length > 0) throw Problem.sessionTooLarge(errors);
}
