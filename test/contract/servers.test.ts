/**
 * The document's `servers`, as the docs page (GET /docs) shows them in its "Servers" box: each
 * URL absolute (a bare `/` was shown as "/"), each description plain text (the page shows it
 * raw: markdown came out as literal backticks), naming how to start that server.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MOCK_PORT } from '../../mock/api-mock.js';
import { spec } from '../support/contract.js';

const servers: { url: string; description?: string; variables?: Record<string, { default: string }> }[] = spec.servers;

describe('the servers of spec/openapi.yaml', () => {
  it('are the local server and the local mock, by their absolute URLs on the ports they listen on', () => {
    expect(servers.map((server) => server.url)).toEqual(['http://127.0.0.1:3000', `http://127.0.0.1:${DEFAULT_MOCK_PORT}`]);
    for (const server of servers) expect(new URL(server.url).pathname).toBe('/');
  });

  it.each(servers.map((server) => [server.url, server.description ?? ''] as const))('%s has a plain-text description saying how to start it', (_url, description) => {
    expect(description).toMatch(/npm (start|run mock)/);
    // What markdown would need: the docs page prints these characters as they are.
    expect(description).not.toMatch(/[`*_[\]<>#]|\n/);
  });
});
