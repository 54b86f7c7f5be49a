/**
 * Registers Pollster's namespace and search attributes on a Temporal cluster, once per namespace and again after
 * an upgrade that adds attributes (what is there already is left as it is):
 *
 *   TEMPORAL_ADDRESS=temporal.internal.example:7233 TEMPORAL_NAMESPACE=pollster npx tsx scripts/register-namespace.ts
 *
 * Reads the same TEMPORAL_* variables (TLS included) as the worker and the API. `npm run cluster` does the same.
 */
import { temporalTarget } from '../temporal/target';
import { ensureNamespace } from './cluster/namespace';

const target = temporalTarget();
try {
  const { namespaceCreated, attributesAdded } = await ensureNamespace(target, target.namespace);
  console.log(`namespace ${target.namespace} on ${target.address}: ${namespaceCreated ? 'registered now' : 'existed'}; search attributes: ${attributesAdded.length > 0 ? `added ${attributesAdded.join(', ')}` : 'all registered before'}`);
} catch (err) {
  console.error(`register-namespace: ${target.namespace} on ${target.address}: ${(err as Error).message}`);
  process.exit(1);
}
