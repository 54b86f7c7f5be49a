/** PATCH, PUT and the calls built on them (enable, disable, one configuration entry): the change applied to the addressed instance. */
import type { FastifyRequest } from 'fastify';
import type { InstanceRecord } from '../../contract/instance';
import { addressedInstance } from './addressing';
import { changedBody, type InstanceChange } from './merge';
import type { InstanceService } from './service';
import { validateInstanceBody } from './validate';

export async function updateInstance(instances: InstanceService, request: FastifyRequest, change: InstanceChange, replace: boolean, id?: number): Promise<InstanceRecord> {
  const record = await addressedInstance(instances, request, id);
  return instances.configure(record.id, await validateInstanceBody(changedBody(record, change, replace)));
}
