import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../workers/workflowsPath';
const quiet = { log() {}, info() {}, warn() {}, error: console.error, debug() {}, trace() {} } as never;
const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
console.log('bundle bytes', code.length);
const mods = [...code.matchAll(/\/\*\*\*\/ "([^"]+)":/g)].map((m) => m[1]);
console.log('modules', mods.length);
const sizes: Record<string, number> = {};
const re = /\/\*\*\*\/ "([^"]+)":/g; let m; const idx: [string, number][] = [];
while ((m = re.exec(code))) idx.push([m[1]!, m.index]);
for (let i = 0; i < idx.length; i++) sizes[idx[i]![0]] = (idx[i + 1]?.[1] ?? code.length) - idx[i]![1];
const byPkg: Record<string, number> = {};
for (const [k, v] of Object.entries(sizes)) { const p = k.replace(/^\.\/node_modules\/(@[^/]+\/[^/]+|[^/]+).*/, '$1').replace(/^\.\/(\w+)\/.*/, '$1'); byPkg[p] = (byPkg[p] ?? 0) + v; }
console.log(Object.entries(byPkg).sort((a, b) => b[1] - a[1]).slice(0, 20));
