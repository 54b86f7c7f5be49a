/**
 * The instance a request addresses: `{id}` in the path (an `Element` token, if sent, must be its token), or else the
 * instance of the `Element` token, which is then required.
 */
import type { FastifyRequest } from 'fastify';
import type { InstanceRecord } from '../../contract/instance';
import { parseAuthorization, secretEquals } from '../auth';
import { ApiError, notFound } from '../errors';
import { instanceIdOfToken } from './identity';
import type { InstanceService } from './service';

export async function addressedInstance(instances: InstanceService, request: FastifyRequest, id?: number): Promise<InstanceRecord> {
  const token = parseAuthorization(request.headers.authorization).element;
  const target = id ?? (token ? instanceIdOfToken(token) : undefined);
  if (target === undefined) throw new ApiError(401, 'this call needs an Element <token> in the Authorization header');
  const record = await instances.get(target);
  if (token !== undefined && !(record && secretEquals(token, record.token))) throw new ApiError(401, 'the Element token does not belong to a live instance');
  if (!record) throw notFound(`instance ${target}`);
  return record;
}
