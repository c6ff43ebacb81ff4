import { describe, expect, it } from 'vitest';
import { readCommittedTypes, renderTypes } from '../../spec/generate.js';

describe('spec/generated/api.ts', () => {
  it('is what `npm run generate` makes from spec/openapi.yaml now (run it after changing the spec)', async () => {
    const committed = await readCommittedTypes();
    expect(committed.length).toBeGreaterThan(1000);
    expect(committed === (await renderTypes())).toBe(true);
  });
});
