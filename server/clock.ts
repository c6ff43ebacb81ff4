/** Time, injected everywhere so that retries, leases and expiries are tested with a fake clock. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
