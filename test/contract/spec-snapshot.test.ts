/**
 * The build's snapshot of spec/openapi.yaml (spec/build-document.ts): the server reads it instead
 * of parsing the YAML at start, so it must be the very document the YAML says, and must never be
 * used for any other text (an edited spec with a stale build).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderSpecSnapshot } from '../../spec/build-document.js';
import { SPEC_FILE, snapshotDocument } from '../../server/spec-document.js';

const text = readFileSync(SPEC_FILE, 'utf8');

describe('the spec snapshot', () => {
  it('holds the document the YAML parses to', () => {
    expect(snapshotDocument(renderSpecSnapshot(text), text)).toEqual(parse(text));
  });

  it('is ignored for any other text, so an edited spec is parsed afresh', () => {
    const edited = text.replace('title:', 'title: ');
    expect(edited).not.toBe(text);
    expect(snapshotDocument(renderSpecSnapshot(text), edited)).toBeUndefined();
  });

  it('is ignored when there is none (the sources run without a build)', () => {
    expect(snapshotDocument(undefined, text)).toBeUndefined();
  });
});
