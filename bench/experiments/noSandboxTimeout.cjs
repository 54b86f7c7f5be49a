/**
 * EXPERIMENT ONLY, never in a deployment: drops the timeout from every `vm.Script#runInContext` call in the
 * process and its threads, which takes away the SDK's guard against a workflow that never yields. It measures
 * what the SDK's per-call watchdog thread costs a worker (bench/NOTES.md):
 *
 *   BENCH_WORKER_NODE_ARGS="--require $PWD/bench/experiments/noSandboxTimeout.cjs" BENCH_ONLY=B2-FAST npm run bench
 *
 * `--require` is inherited by worker threads, so the SDK's workflow threads load it too (`--import` is not, on Node 20).
 */
const vm = require('node:vm');

const runInContext = vm.Script.prototype.runInContext;
vm.Script.prototype.runInContext = function (context, options) {
  if (options?.timeout === undefined) return runInContext.call(this, context, options);
  const { timeout: _dropped, ...rest } = options;
  return runInContext.call(this, context, rest);
};
