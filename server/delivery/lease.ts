/**
 * How long a claim reserves a conversation. The worker claims only into free slots (its own and
 * the channel's), so an attempt starts as soon as it is claimed: a lease must cover the longest
 * attempt and the recording of its result, nothing more. A lease that ran out while its attempt
 * was still going would let a second copy of the conversation's head overlap the first.
 */
import { longestAttemptMs } from './send-attempt.js';

/** Time for an attempt's result to reach the store once the attempt has ended (a busy store). */
export const RECORDING_MARGIN_MS = 5_000;

/** The shortest lease that covers an attempt bounded by `timeoutMs` per phase: 35 s for 10 s. */
export function minimumLeaseMs(timeoutMs: number): number {
  return longestAttemptMs(timeoutMs) + RECORDING_MARGIN_MS;
}
