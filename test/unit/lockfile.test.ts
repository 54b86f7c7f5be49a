/**
 * Reproducible installs: `npm ci` installs the committed lock as it is, and `npm install` on any
 * platform finds nothing to add to it. That holds while the lock agrees with package.json, lists
 * every optional (per-platform) package its packages name, and every package with install scripts
 * is approved or denied by name in `allowScripts` (npm 11 skips unlisted ones and warns).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from '../support/processes';

interface LockedPackage {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  hasInstallScript?: boolean;
}

const pkg = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8'));
const lock = JSON.parse(readFileSync(`${REPO_ROOT}/package-lock.json`, 'utf8')) as { lockfileVersion: number; packages: Record<string, LockedPackage> };

/** Where node would find `name` from the package at `path`: its own node_modules, then each parent's. */
function resolves(path: string, name: string): boolean {
  for (let dir = path; ; dir = dir.slice(0, dir.lastIndexOf('/node_modules/'))) {
    if (lock.packages[`${dir ? `${dir}/` : ''}node_modules/${name}`]) return true;
    if (!dir.includes('/node_modules/')) return Boolean(lock.packages[`node_modules/${name}`]);
  }
}

test('the lock agrees with package.json', () => {
  assert.equal(lock.lockfileVersion, 3);
  const root = lock.packages[''];
  assert.deepEqual(root?.dependencies, pkg.dependencies);
  assert.deepEqual(root?.devDependencies, pkg.devDependencies);
});

test('every optional package the locked packages name is in the lock, for every platform', () => {
  const missing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) if (!resolves(path, name)) missing.push(`${path || '(root)'} → ${name}`);
  }
  assert.deepEqual(missing, [], 'npm install would add these to the lock');
});

test('every package with install scripts is approved or denied by name in allowScripts', () => {
  const decided = new Set(Object.keys(pkg.allowScripts ?? {}).map((spec: string) => spec.replace(/(?<=.)@[^@/]*$/, '')));
  const undecided = Object.entries(lock.packages)
    .filter(([, entry]) => entry.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
    .filter((name) => !decided.has(name));
  assert.deepEqual(undecided, []);
});
