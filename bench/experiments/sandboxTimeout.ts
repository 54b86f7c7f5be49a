/**
 * What a timeout costs a call into a V8 context: `vm.Script#runInContext` with and without `{ timeout }`, in this
 * process, alternating. The SDK passes its isolateExecutionTimeout on every call into the workflow sandbox, and
 * Node enforces it with a watchdog thread per call (bench/NOTES.md).
 *
 *   node --import tsx bench/experiments/sandboxTimeout.ts
 */
import vm from 'node:vm';

const CALLS = 20_000;
const context = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
const script = new vm.Script('1 + 1');

function cpuUsPerCall(options: vm.RunningScriptOptions): number {
  const start = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) script.runInContext(context, options);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / CALLS;
}

const rounds = [1, 2, 3].map(() => ({ without: cpuUsPerCall({}), with: cpuUsPerCall({ timeout: 5000 }) }));
for (const r of rounds) console.log(`CPU per call: ${r.without.toFixed(2)} µs without a timeout, ${r.with.toFixed(2)} µs with one (${(r.with / r.without).toFixed(0)}×)`);
