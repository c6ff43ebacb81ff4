/**
 * A transaction that loses a race is run again, never answered 500 (README, "Run on PostgreSQL"):
 * the redelivery, rotation, configuration and removal of a channel go through this, as accepts,
 * claims and recorded attempts do their own way.
 */
import { describe, expect, it } from 'vitest';
import { retryWriteConflicts, WRITE_CONFLICT_RETRIES } from '../../server/store/store-errors.js';

const pgError = (code: string) => Object.assign(new Error(`postgres ${code}`), { code });

/** A transaction that fails with `errors` in turn, then answers 'committed'; counts its runs. */
function failing(errors: Error[]) {
  let runs = 0;
  return {
    run: async () => {
      const error = errors[runs++];
      if (error) throw error;
      return 'committed';
    },
    runs: () => runs,
  };
}

describe('retryWriteConflicts', () => {
  it.each([
    ['a deadlock victim', '40P01'],
    ['a serialization failure', '40001'],
    ['a unique key taken meanwhile', '23505'],
  ])('runs the transaction again after %s (%s)', async (_name, code) => {
    const transaction = failing([pgError(code), pgError(code)]);
    await expect(retryWriteConflicts(transaction.run)).resolves.toBe('committed');
    expect(transaction.runs()).toBe(3);
  });

  it(`gives up after ${WRITE_CONFLICT_RETRIES} more runs, with the last error`, async () => {
    const transaction = failing(Array.from({ length: WRITE_CONFLICT_RETRIES + 1 }, () => pgError('40P01')));
    await expect(retryWriteConflicts(transaction.run)).rejects.toMatchObject({ code: '40P01' });
    expect(transaction.runs()).toBe(WRITE_CONFLICT_RETRIES + 1);
  });

  it.each([
    ['a lost connection', '08006'],
    ['a statement timeout', '57014'],
    ['a check violation', '23514'],
  ])('does not run it again after %s (%s)', async (_name, code) => {
    const transaction = failing([pgError(code)]);
    await expect(retryWriteConflicts(transaction.run)).rejects.toMatchObject({ code });
    expect(transaction.runs()).toBe(1);
  });
});
