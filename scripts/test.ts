/**
 * `npm test` after set-up: node's test runner over test/unit, test/workflows, test/integration, test/browser and test/replay (or
 * the suites named as arguments). Integration tests start their own Temporal dev servers on free ports.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { temporalCliPath } from './devServer';

const suites = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['unit', 'workflows', 'integration', 'browser', 'replay', 'cluster'];
const files = suites.flatMap((suite) =>
  readdirSync(join('test', suite))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join('test', suite, f)),
);
const env = { ...process.env, POLLSTER_TEMPORAL_CLI: temporalCliPath() };
// TAP as it goes, then every failure again at the end (scripts/failureSummary.mjs).
const reporters = ['--test-reporter=tap', '--test-reporter-destination=stdout', '--test-reporter=./scripts/failureSummary.mjs', '--test-reporter-destination=stdout'];
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...reporters, '--test-concurrency=2', '--test-timeout=300000', ...files], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
