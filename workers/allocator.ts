/**
 * The worker's memory allocator. glibc's malloc keeps what the SDK's native side frees for cached workflows: B3 (5,000
 * idle instances) with a cache of 500 held the worker at 434 MB on glibc with two arenas, against 254 MB on jemalloc
 * (bench/NOTES.md). So the launchers (npm start, npm run cluster, the bench) preload jemalloc where the machine has
 * it (Debian's libjemalloc2, which scripts/setup.sh installs), and the worker sizes its cache by the allocator it got.
 */
import { existsSync, readFileSync } from 'node:fs';

/** Where Debian and Ubuntu's libjemalloc2 puts the library. */
export const JEMALLOC_PATHS: readonly string[] = ['/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2'];

/** LD_PRELOAD of jemalloc for a worker's process, when the machine has it and the environment preloads nothing already. */
export function jemallocPreload(env: NodeJS.ProcessEnv, exists: (path: string) => boolean = existsSync): { LD_PRELOAD?: string } {
  if (env.LD_PRELOAD?.trim()) return {};
  const path = JEMALLOC_PATHS.find((p) => exists(p));
  return path ? { LD_PRELOAD: path } : {};
}

/** Whether this process runs on jemalloc: it is mapped into the process (preloaded, or linked in). */
export function runsOnJemalloc(maps: () => string = () => readFileSync('/proc/self/maps', 'utf8')): boolean {
  try {
    return /\/libjemalloc[^/\s]*$/m.test(maps());
  } catch {
    return false; // no /proc (not Linux): the default allocator
  }
}
