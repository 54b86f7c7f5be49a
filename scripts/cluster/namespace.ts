/**
 * Pollster's namespace and search attributes on a cluster: registered when missing (a second run finds
 * them and changes nothing), then awaited until the frontend accepts queries on every attribute, which
 * it does a namespace-cache refresh after the registration.
 */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { TemporalTarget } from '../../temporal/target';
import { SEARCH_ATTRIBUTE_TYPES } from '../../contract/searchAttributes';
import { eventuallyTrue } from './wait';

const { IndexedValueType } = proto.temporal.api.enums.v1;
/** The server's `system.namespaceCacheRefreshInterval` default. */
const NAMESPACE_CACHE_REFRESH_MS = 2_000;

/** `KeywordList` (the CLI's spelling, as SEARCH_ATTRIBUTE_TYPES writes it) → INDEXED_VALUE_TYPE_KEYWORD_LIST. */
export function indexedValueType(type: string): proto.temporal.api.enums.v1.IndexedValueType {
  const key = `INDEXED_VALUE_TYPE_${type.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}` as keyof typeof IndexedValueType;
  const value = IndexedValueType[key];
  if (typeof value !== 'number' || value === IndexedValueType.INDEXED_VALUE_TYPE_UNSPECIFIED) throw new Error(`unknown search attribute type ${type}`);
  return value;
}

function isAlreadyExists(err: unknown): boolean {
  return (err as { code?: number }).code === 6; // gRPC ALREADY_EXISTS
}

export interface NamespaceSetup {
  namespaceCreated: boolean;
  attributesAdded: string[];
}

/** `target` as temporal/config.ts reads it from the environment (TLS included); `address` alone for a local server. */
export async function ensureNamespace(target: string | Pick<TemporalTarget, 'address' | 'tls'>, namespace: string, retentionDays = 3): Promise<NamespaceSetup> {
  const { address, tls } = typeof target === 'string' ? { address: target, tls: undefined } : target;
  const connection = await Connection.connect({ address, tls });
  try {
    const { workflowService, operatorService } = connection;
    let namespaceCreated = false;
    try {
      await workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`) });
      namespaceCreated = true;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    // A namespace just registered is known to the frontend's cache a moment later.
    await eventuallyTrue(() => workflowService.describeNamespace({ namespace }).then(() => true), `namespace ${namespace}`, 30_000);

    const existing = (await operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
    const missing = Object.entries(SEARCH_ATTRIBUTE_TYPES).filter(([name]) => !(name in existing));
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) {
      const registered = existing[name];
      if (registered !== undefined && registered !== indexedValueType(type)) {
        throw new Error(`search attribute ${name} is registered in ${namespace} as ${IndexedValueType[registered]}, not ${type}`);
      }
    }
    if (missing.length > 0) {
      await operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, indexedValueType(type)])) });
    }
    // Every attribute in one query: accepted once the frontend knows them all.
    const query = Object.keys(SEARCH_ATTRIBUTE_TYPES)
      .map((name) => `${name} IS NULL`)
      .join(' OR ');
    await eventuallyTrue(() => workflowService.countWorkflowExecutions({ namespace, query }).then(() => true), `search attributes ${Object.keys(SEARCH_ATTRIBUTE_TYPES).join(', ')} in ${namespace}`, 30_000);
    // The history service, which checks what workflows write, refreshes its copy on its own cycle (2 s by default).
    if (missing.length > 0) await new Promise((r) => setTimeout(r, NAMESPACE_CACHE_REFRESH_MS));
    return { namespaceCreated, attributesAdded: missing.map(([name]) => name) };
  } finally {
    await connection.close();
  }
}
