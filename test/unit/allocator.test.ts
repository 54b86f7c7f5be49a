import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jemallocPreload, JEMALLOC_PATHS, runsOnJemalloc } from '../../workers/allocator';
import { WORKER_PROCESS_ENV, workerProcessEnv } from '../../workers/tuning';

const ALLOCATOR = fileURLToPath(new URL('../../workers/allocator.ts', import.meta.url));

/** runsOnJemalloc() as a fresh node process with this environment answers it. */
function childAnswer(env: NodeJS.ProcessEnv): string {
  const script = `import { runsOnJemalloc } from ${JSON.stringify(ALLOCATOR)}; console.log(runsOnJemalloc());`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  return child.stdout.trim();
}

describe('the worker on jemalloc', () => {
  test('the launchers preload the first jemalloc the machine has, and nothing when it has none or something is preloaded', () => {
    const only = (path: string) => (p: string) => p === path;
    assert.deepEqual(jemallocPreload({}, only(JEMALLOC_PATHS[1]!)), { LD_PRELOAD: JEMALLOC_PATHS[1] });
    assert.deepEqual(jemallocPreload({}, () => true), { LD_PRELOAD: JEMALLOC_PATHS[0] });
    assert.deepEqual(jemallocPreload({}, () => false), {});
    assert.deepEqual(jemallocPreload({ LD_PRELOAD: '/opt/tcmalloc.so' }, () => true), {}, "the operator's own preload wins");
    assert.deepEqual(workerProcessEnv({}, () => true), { ...WORKER_PROCESS_ENV, LD_PRELOAD: JEMALLOC_PATHS[0] });
    assert.deepEqual(workerProcessEnv({}, () => false), { ...WORKER_PROCESS_ENV });
  });

  test('a process knows whether jemalloc is mapped into it', () => {
    const line = (path: string) => `7f3c1a200000-7f3c1a22a000 r--p 00000000 08:01 1835 ${path}\n`;
    assert.equal(runsOnJemalloc(() => line('/usr/lib/x86_64-linux-gnu/libc.so.6') + line('/usr/lib/x86_64-linux-gnu/libjemalloc.so.2')), true);
    assert.equal(runsOnJemalloc(() => line('/usr/lib/x86_64-linux-gnu/libc.so.6') + line('/opt/jemalloc-notes/readme.txt')), false);
    assert.equal(
      runsOnJemalloc(() => {
        throw new Error('ENOENT');
      }),
      false,
      'no /proc: the system malloc',
    );
  });

  test("scripts/setup.sh installs jemalloc where the worker looks for it, and a process preloaded with it runs on it", () => {
    const setup = readFileSync(fileURLToPath(new URL('../../scripts/setup.sh', import.meta.url)), 'utf8');
    for (const path of JEMALLOC_PATHS) assert.ok(setup.includes(path), `setup.sh looks for ${path}`);
    // npm test runs scripts/setup.sh first, which installs libjemalloc2 on this machine kind.
    const { LD_PRELOAD } = jemallocPreload({});
    assert.ok(LD_PRELOAD && existsSync(LD_PRELOAD), `libjemalloc2 is installed (${JEMALLOC_PATHS.join(' or ')}): scripts/setup.sh installs it`);
    assert.equal(childAnswer({ LD_PRELOAD }), 'true');
    assert.equal(childAnswer({}), 'false');
  });
});
