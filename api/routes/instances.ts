/** `/instances`: element instances, their configuration entries, events and poller (SPEC §3). */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { instanceBodySchema, maskConfiguration, MASK, pollerSettings, toInstanceSpec, zodIssues, type InstanceSpec } from '../../core/config';
import { elementAdapter } from '../../elements/registry';
import type { InstanceRecord } from '../../workflows/types';
import { ApiError, badRequest, notFound } from '../errors';
import { CallbackRefused, checkCallbackUrl } from '../../net/callbackGuard';
import { parseAuthorization, secretEquals } from '../auth';
import { instanceIdOfToken, type InstanceService } from '../instanceService';

const idParams = z.object({ id: z.coerce.number().int().positive() });
const eventParams = idParams.extend({ eventId: z.string().min(1) });
const entryParams = idParams.extend({ configurationId: z.coerce.number().int().positive() });
const tokenEntryParams = z.object({ configurationId: z.coerce.number().int().positive() });
const pageQuery = z.object({
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
  nextPage: z.string().optional(),
});
const listQuery = z.object({ 'tags[]': z.union([z.string(), z.array(z.string())]).optional() });
const scalarOrObject = z.union([z.string(), z.number(), z.boolean(), z.null(), z.record(z.string(), z.unknown())]);
const patchBody = z.object({
  name: z.string().max(200).optional(),
  tags: z.array(z.string().max(100)).max(50).optional(),
  configuration: z.record(z.string(), scalarOrObject).optional(),
  providerData: z.object({ code: z.string().optional() }).catchall(z.unknown()).optional(),
  disabled: z.boolean().optional(),
});
const entryBody = z.object({ propertyValue: z.union([z.string(), z.number(), z.boolean(), z.null()]) }).catchall(z.unknown());

const pageOffset = (token: string | undefined): number => (token ? Number(Buffer.from(token, 'base64url').toString()) || 0 : 0);
const pageToken = (offset: number): string => Buffer.from(String(offset)).toString('base64url');

/** The instance as Cloud Elements returns it: configuration as strings, secrets masked. */
export function instanceView(record: InstanceRecord): Record<string, unknown> {
  const { spec } = record;
  return {
    id: record.id,
    name: spec.name,
    token: record.token,
    createdDate: record.createdDate,
    element: { key: spec.elementKey },
    configuration: maskConfiguration(spec.configuration),
    tags: spec.tags,
    eventsEnabled: spec.configuration['event.notification.enabled'] === 'true',
    valid: true,
    disabled: spec.disabled,
  };
}

/** Configuration entries carry a stable id derived from their key. */
export function configurationId(key: string): number {
  return createHash('sha256').update(key).digest().readUIntBE(0, 4) + 1;
}

function configurationEntries(record: InstanceRecord): { id: number; key: string; propertyValue: string }[] {
  return Object.entries(maskConfiguration(record.spec.configuration))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, propertyValue]) => ({ id: configurationId(key), key, propertyValue }));
}

type EventEntry = Awaited<ReturnType<InstanceService['events']>>[number];

/** An event-log entry: the notification, its status, and its payload when the retry path holds it. */
function eventView(instanceId: number, e: EventEntry): Record<string, unknown> {
  return {
    id: e.id,
    instanceId,
    eventDate: new Date(e.atMs).toISOString(),
    objectType: e.resource,
    events: e.events,
    status: e.status,
    attempts: e.delivery?.attempts,
    lastError: e.delivery?.lastError,
    payload: e.delivery?.payload,
  };
}

/**
 * The element's default poller configuration applies, as on Cloud Elements, when an instance brings
 * none; and seeds select resources with empty objects (`"opportunities": { }`), which take the
 * element's default for that resource.
 */
export function withElementDefaults(body: unknown): unknown {
  const b = body as { element?: { key?: unknown }; configuration?: Record<string, unknown> } | null;
  const adapter = typeof b?.element?.key === 'string' ? elementAdapter(b.element.key) : undefined;
  let poller = b?.configuration?.['event.poller.configuration'];
  if (!adapter || !b?.configuration) return body;
  if (poller === undefined || poller === null) {
    const defaults = adapter.definition.defaultPollerConfiguration;
    if (Object.keys(defaults).length === 0) return body;
    return { ...b, configuration: { ...b.configuration, 'event.poller.configuration': defaults } };
  }
  if (typeof poller === 'string') {
    try {
      poller = JSON.parse(poller);
    } catch {
      return body; // the schema reports it
    }
  }
  if (!poller || typeof poller !== 'object' || Array.isArray(poller)) return body;
  const defaults = adapter.definition.defaultPollerConfiguration;
  const filled = Object.fromEntries(
    Object.entries(poller as Record<string, unknown>).map(([name, value]) => {
      const empty = value && typeof value === 'object' && Object.keys(value).length === 0;
      return [name, empty && defaults[name] ? defaults[name] : value];
    }),
  );
  return { ...b, configuration: { ...b!.configuration, 'event.poller.configuration': filled } };
}

/** Validates a whole instance body (POST, PUT, a PATCH merged onto the current instance). */
async function validateInstance(input: unknown): Promise<InstanceSpec> {
  const body = withElementDefaults(input);
  const result = instanceBodySchema.safeParse(body);
  if (!result.success) throw badRequest(zodIssues(result.error));
  const parsed = toInstanceSpec(result.data);
  if (!parsed.ok) throw badRequest(parsed.issues);
  const adapter = elementAdapter(parsed.value.elementKey);
  if (!adapter) throw badRequest([{ path: 'element.key', message: `element '${parsed.value.elementKey}' is not available yet` }]);
  const issues = adapter.validate(parsed.value.configuration).map((i) => ({ path: `configuration['${i.key}']`, message: i.message }));
  if (issues.length > 0) throw badRequest(issues);
  const settings = pollerSettings(parsed.value.configuration);
  if (settings.enabled && Object.keys(settings.resources).length === 0) {
    throw badRequest([{ path: "configuration['event.poller.configuration']", message: 'events are enabled but no resource is configured to poll' }]);
  }
  const callbackUrl = parsed.value.configuration['event.notification.callback.url'];
  if (callbackUrl) {
    try {
      await checkCallbackUrl(callbackUrl);
    } catch (err) {
      if (err instanceof CallbackRefused) throw badRequest([{ path: "configuration['event.notification.callback.url']", message: err.message }]);
      throw err;
    }
  }
  return parsed.value;
}

/** A body's configuration over the current one: `null` removes a key, the mask keeps a secret as it is. */
function mergeConfiguration(current: Record<string, string>, change: Record<string, unknown>, replace: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = replace ? {} : { ...current };
  for (const [key, value] of Object.entries(change)) {
    if (value === null) delete out[key];
    else if (value === MASK && current[key] !== undefined) out[key] = current[key];
    else out[key] = value;
  }
  return out;
}

function bodyOf(record: InstanceRecord, change: z.infer<typeof patchBody>, replace: boolean): Record<string, unknown> {
  const spec = record.spec;
  return {
    element: { key: spec.elementKey },
    name: change.name ?? (replace ? undefined : spec.name),
    tags: change.tags ?? (replace ? undefined : spec.tags),
    configuration: mergeConfiguration(spec.configuration, change.configuration ?? {}, replace),
    providerData: change.providerData ?? (spec.providerCode ? { code: spec.providerCode } : undefined),
    disabled: change.disabled ?? (replace ? undefined : spec.disabled),
  };
}

export const instanceRoutes = (service: InstanceService): FastifyPluginAsyncZod => async (app) => {
  /**
   * The instance a request addresses: `{id}` in the path (an `Element` token, if sent, must be its
   * token), or else the instance of the `Element` token, which is then required.
   */
  async function addressed(request: FastifyRequest, id?: number): Promise<InstanceRecord> {
    const token = parseAuthorization(request.headers.authorization).element;
    const target = id ?? (token ? instanceIdOfToken(token) : undefined);
    if (target === undefined) throw new ApiError(401, 'this call needs an Element <token> in the Authorization header');
    const record = await service.get(target);
    if (token !== undefined && !(record && secretEquals(token, record.token))) throw new ApiError(401, 'the Element token does not belong to a live instance');
    if (!record) throw notFound(`instance ${target}`);
    return record;
  }

  app.post('/instances', { schema: { body: instanceBodySchema, tags: ['instances'], summary: 'Create an instance (idempotent)' }, preValidation: async (request) => {
    request.body = withElementDefaults(request.body) as typeof request.body;
  } }, async (request) =>
    instanceView(await service.create(await validateInstance(request.body))),
  );

  app.get('/instances', { schema: { querystring: listQuery, tags: ['instances'], summary: 'List instances, optionally by tags[]' } }, async (request) => {
    const tags = request.query['tags[]'];
    return (await service.list(tags === undefined ? [] : [tags].flat())).map(instanceView);
  });

  const read = async (request: FastifyRequest, id?: number) => instanceView(await addressed(request, id));
  const update = async (request: FastifyRequest, change: z.infer<typeof patchBody>, replace: boolean, id?: number) => {
    const record = await addressed(request, id);
    return instanceView(await service.configure(record.id, await validateInstance(bodyOf(record, change, replace))));
  };
  const remove = async (request: FastifyRequest, id?: number) => {
    const record = await addressed(request, id);
    await service.delete(record.id);
    return {};
  };
  const setEnabled = async (request: FastifyRequest, enabled: boolean, id?: number) => update(request, { disabled: !enabled }, false, id);

  app.get('/instances/:id', { schema: { params: idParams, tags: ['instances'] } }, (r) => read(r, r.params.id));
  app.patch('/instances/:id', { schema: { params: idParams, body: patchBody, tags: ['instances'], summary: 'Partial update' } }, (r) => update(r, r.body, false, r.params.id));
  app.put('/instances/:id', { schema: { params: idParams, body: patchBody, tags: ['instances'], summary: 'Replace' } }, (r) => update(r, r.body, true, r.params.id));
  app.delete('/instances/:id', { schema: { params: idParams, tags: ['instances'] } }, (r) => remove(r, r.params.id));
  app.put('/instances/:id/enabled', { schema: { params: idParams, tags: ['instances'], summary: 'Enable' } }, (r) => setEnabled(r, true, r.params.id));
  app.delete('/instances/:id/enabled', { schema: { params: idParams, tags: ['instances'], summary: 'Disable (no polls)' } }, (r) => setEnabled(r, false, r.params.id));

  // Token-scoped forms: the instance is the one of the `Element` token.
  app.patch('/instances', { schema: { body: patchBody, tags: ['instances'] } }, (r) => update(r, r.body, false));
  app.put('/instances', { schema: { body: patchBody, tags: ['instances'] } }, (r) => update(r, r.body, true));
  app.delete('/instances', { schema: { tags: ['instances'] } }, (r) => remove(r));
  app.put('/instances/enabled', { schema: { tags: ['instances'] } }, (r) => setEnabled(r, true));
  app.delete('/instances/enabled', { schema: { tags: ['instances'] } }, (r) => setEnabled(r, false));

  const entries = async (request: FastifyRequest, id?: number) => configurationEntries(await addressed(request, id));
  const entry = async (request: FastifyRequest, configurationId: number, id?: number) => {
    const found = configurationEntries(await addressed(request, id)).find((e) => e.id === configurationId);
    if (!found) throw notFound(`configuration ${configurationId}`);
    return found;
  };
  const patchEntry = async (request: FastifyRequest, configurationId: number, value: string | number | boolean | null, id?: number) => {
    const { key } = await entry(request, configurationId, id);
    const view = await update(request, { configuration: { [key]: value } }, false, id);
    return { id: configurationId, key, propertyValue: (view.configuration as Record<string, string | undefined>)[key] ?? null };
  };
  app.get('/instances/:id/configuration', { schema: { params: idParams, tags: ['configuration'] } }, (r) => entries(r, r.params.id));
  app.get('/instances/:id/configuration/:configurationId', { schema: { params: entryParams, tags: ['configuration'] } }, (r) => entry(r, r.params.configurationId, r.params.id));
  app.patch('/instances/:id/configuration/:configurationId', { schema: { params: entryParams, body: entryBody, tags: ['configuration'] } }, (r) =>
    patchEntry(r, r.params.configurationId, r.body.propertyValue, r.params.id),
  );
  app.get('/instances/configuration', { schema: { tags: ['configuration'] } }, (r) => entries(r));
  app.patch('/instances/configuration/:configurationId', { schema: { params: tokenEntryParams, body: entryBody, tags: ['configuration'] } }, (r) =>
    patchEntry(r, r.params.configurationId, r.body.propertyValue),
  );

  app.get('/instances/:id/events', { schema: { params: idParams, querystring: pageQuery, tags: ['events'] } }, async (request, reply) => {
    const record = await addressed(request, request.params.id);
    const all = await service.events(record);
    const offset = pageOffset(request.query.nextPage);
    const page = all.slice(offset, offset + request.query.pageSize);
    if (offset + page.length < all.length) void reply.header('elements-next-page-token', pageToken(offset + page.length));
    return page.map((e) => eventView(record.id, e));
  });

  app.get('/instances/:id/events/:eventId', { schema: { params: eventParams, tags: ['events'] } }, async (request) => {
    const record = await addressed(request, request.params.id);
    const event = (await service.events(record)).find((e) => e.id === request.params.eventId);
    if (!event) throw notFound(`event ${request.params.eventId}`);
    return eventView(record.id, event);
  });

  app.post('/instances/:id/events/poll', { schema: { params: idParams, tags: ['events'], summary: 'Poll now (Pollster extension)' } }, async (request) => {
    const record = await addressed(request, request.params.id);
    await service.pollNow(record.id);
    return { id: record.id, polling: true };
  });

  app.get('/instances/:id/poller', { schema: { params: idParams, tags: ['instances'], summary: 'Poller status (Pollster extension)' } }, async (request) => {
    const record = await addressed(request, request.params.id);
    return service.status(record.id);
  });
};
