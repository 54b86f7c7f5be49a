import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The rooms of the house and what each may import (docs/architecture.md). Data flows one way:
 * api → Temporal → workflows → activities → elements / callback; `contract/` is where they meet.
 */
const ROOMS = ['core', 'contract', 'elements', 'net', 'source', 'temporal', 'store', 'log', 'activities', 'workflows', 'workers', 'api', 'scripts', 'console', 'bench', 'test', 'examples'];
const MAY_IMPORT = {
  core: [],
  net: [],
  temporal: ['contract'], // contract/failures: the one failure text left readable
  log: [],
  elements: ['core', 'net'],
  // What a poll and a dry run share about reading a resource: Temporal-free, so the API runs it too.
  source: ['core', 'elements', 'net'],
  contract: ['core', 'elements'], // elements: the OAuth credentials type only
  store: ['contract', 'core', 'temporal'],
  activities: ['contract', 'core', 'elements', 'net', 'source', 'store', 'temporal'],
  workflows: ['contract', 'core'],
  api: ['contract', 'core', 'elements', 'log', 'net', 'source', 'store', 'temporal'],
  workers: ['activities', 'contract', 'core', 'elements', 'log', 'net', 'source', 'store', 'temporal', 'workflows'],
};
/** A room seen from any folder below the top (`../api`, `../../api/app`, …): imports are relative. */
const patternsOf = (rooms) => rooms.flatMap((room) => ['../', '../../', '../../../'].flatMap((up) => [`${up}${room}`, `${up}${room}/**`]));
const roomRules = Object.entries(MAY_IMPORT).map(([room, allowed]) => ({
  files: [`${room}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: patternsOf(ROOMS.filter((r) => r !== room && !allowed.includes(r))),
            message: `${room}/ may import only ${allowed.length > 0 ? allowed.map((r) => `${r}/`).join(', ') : 'itself'} (docs/architecture.md)`,
          },
          ...(room === 'core' || room === 'contract' ? [{ group: ['undici', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: `${room}/ does no I/O` }] : []),
          ...(room === 'source' ? [{ group: ['@temporalio/*'], message: 'source/ is Temporal-free: the API runs it as well as the activities' }] : []),
          ...(room === 'workflows'
            ? [
                // Workflow code is replayed: no I/O, no zod or luxon (they would be evaluated again for every cached workflow).
                { group: ['node:*', 'undici', 'zod', 'luxon', '@temporalio/client', '@temporalio/activity', '@temporalio/worker'], message: 'workflow code is deterministic and small: no I/O, no zod, no luxon' },
                { group: ['../core/*', '../../core/*', '!../core/settings', '!../core/boundary'], allowTypeImports: true, message: 'workflows import only the pure, luxon-free core modules (core/settings, core/boundary) and types' },
                { group: ['../contract/subscriptionId', '../../contract/subscriptionId'], message: 'contract/subscriptionId hashes with node:crypto' },
              ]
            : []),
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'dist/', 'test-output/', 'console/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  ...roomRules,
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'Use the SDK (uuid4 / Math.random is replaced only inside the sandbox).' }],
    },
  },
  {
    // Test bodies are whatever the API answered; asserting on them is the point.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // CommonJS scripts for node (a preload for worker threads: --require reaches them, --import does not).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The web console: plain ES modules run by the browser (no build), so browser globals.
    files: ['console/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'history', 'navigator', 'sessionStorage', 'fetch', 'crypto', 'getComputedStyle', 'Node', 'Event', 'URL', 'URLSearchParams', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'structuredClone', 'console'].map((g) => [g, 'readonly']),
      ),
    },
  },
);
