#!/usr/bin/env node
// Runs every vitest suite, then prints the plain closing line CI reads: `N passed, N failed`.
// Extra arguments go to vitest (`npm test -- test/bot`).
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';

const REPORT = '.vitest-report.json';
await rm(REPORT, { force: true });

const vitest = spawn(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${REPORT}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
const code = await new Promise((resolve) => vitest.on('close', (c, signal) => resolve(c ?? (signal ? 1 : 0))));

let passed = 0;
let failed = 0;
try {
  const report = JSON.parse(await readFile(REPORT, 'utf8'));
  passed = report.numPassedTests;
  // A suite that fails to load has no failed test but must still count as a failure.
  failed = report.numFailedTests + (report.numFailedTestSuites > 0 && report.numFailedTests === 0 ? report.numFailedTestSuites : 0);
} catch {
  failed = 1; // vitest died before writing its report
}
if (code !== 0 && failed === 0) failed = 1;
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(code === 0 && failed === 0 ? 0 : 1);
