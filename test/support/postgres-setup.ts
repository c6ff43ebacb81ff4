/**
 * Global setup of the vitest project `postgres`: one throw-away PostgreSQL server for the run
 * (each test creates its own database on it), stopped and removed at the end.
 */
import type { TestProject } from 'vitest/node';
import { startPostgresServer } from './postgres.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgresServer();
  project.provide('postgresAdminUrl', server.adminUrl);
  return () => server.destroy();
}
