/**
 * A worker refuses to start in a namespace that lacks one of Pollster's search attributes: its workflows would fail
 * every task that sets it (a release that adds one must register it first: scripts/register-namespace.ts).
 */
import type { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_TYPES } from '../contract/searchAttributes';

export async function missingSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const registered = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  return Object.keys(SEARCH_ATTRIBUTE_TYPES).filter((name) => !(name in registered));
}

export async function assertSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.length === 0) return;
  const list = missing.map((name) => `${name} (${SEARCH_ATTRIBUTE_TYPES[name]})`).join(', ');
  throw new Error(`namespace ${namespace} lacks Pollster's search attributes ${list}: register them first (TEMPORAL_NAMESPACE=${namespace} npx tsx scripts/register-namespace.ts)`);
}
