/** Builders for the store's conformance suite: real envelopes (core/envelope.ts), real encryption keys. */
import { randomBytes } from 'node:crypto';
import type { PayloadCodec } from '@temporalio/common';
import type { Change } from '../../core/diff';
import { notificationsFor, type InstanceRef } from '../../core/envelope';
import { EncryptionCodec } from '../../temporal/codec';
import type { PollsterStore } from '../../store/types';
import type { NotificationRecord, PollEntry } from '../../store/types';

/** Where one test's store lives (a file, a schema), and a hand on it from outside the store. */
export interface StorePlace {
  /** Opens one more store on this place, as another process would. */
  open(codec: PayloadCodec): Promise<PollsterStore>;
  /** Every stored byte, as latin1 text (the files, or every row): to look for clear text. */
  rawText(): Promise<string>;
  /** Runs SQL directly on the place. */
  sql(statement: string): Promise<Record<string, unknown>[]>;
  /** Bytes the place takes (file size, or relation sizes). */
  sizeBytes(): Promise<number>;
  dispose(): Promise<void>;
}

export type FreshPlace = () => Promise<StorePlace>;

export const newCodec = (previous: Buffer[] = []): { codec: EncryptionCodec; key: Buffer } => {
  const key = randomBytes(32);
  return { codec: new EncryptionCodec(key, previous), key };
};

export const CALLBACK = 'https://receiver.example/hooks?token=callback-secret-token';
export const DAY = 24 * 60 * 60 * 1000;
export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

const instanceRef = (id: number): InstanceRef => ({ id, name: `instance ${id}`, tags: ['conformance'], elementKey: 'http', hubKey: 'general' });

export interface NotificationSpec {
  instanceId?: number;
  resource?: string;
  objectIds: string[];
  /** The object ids the notification's id is made of, when a retried attempt found fewer (default: objectIds). */
  idObjectIds?: string[];
  /** Record date of every change: with the object ids, what makes the notification's id. */
  dateMs?: number;
  createdAtMs?: number;
  status?: NotificationRecord['status'];
  attempts?: number;
  callbackUrl?: string;
  lastError?: string;
  /** Put into every record's data, to look for it in clear. */
  secret?: string;
}

/** A notification as a poll would log it: its id and payload built by core/envelope.ts. */
export function notification(spec: NotificationSpec): NotificationRecord {
  const instanceId = spec.instanceId ?? 1;
  const resource = spec.resource ?? 'contacts';
  const dateMs = spec.dateMs ?? NOW - 60_000;
  const changes: Change[] = spec.objectIds.map((objectId) => ({
    record: { id: objectId, name: `record ${objectId}`, secret: spec.secret ?? 'none' },
    objectId,
    eventType: 'UPDATED',
    dateMs,
    recordDateMs: dateMs,
    key: `${objectId}@${dateMs}`,
  }));
  const idKeys = (spec.idObjectIds ?? spec.objectIds).map((objectId) => `${objectId}@${dateMs}`);
  const [payload] = notificationsFor(instanceRef(instanceId), resource, NOW - 120_000, [{ idKeys, changes }]);
  const record: NotificationRecord = {
    id: payload!.id,
    instanceId,
    resource,
    callbackUrl: spec.callbackUrl ?? CALLBACK,
    createdAtMs: spec.createdAtMs ?? NOW,
    status: spec.status ?? 'delivered',
    attempts: spec.attempts ?? 1,
    payload: payload!,
  };
  if (spec.lastError !== undefined) record.lastError = spec.lastError;
  return record;
}

export function pollEntry(spec: Partial<PollEntry> & Pick<PollEntry, 'pollStartMs' | 'atMs'>): PollEntry {
  return {
    instanceId: 1,
    resource: 'contacts',
    requests: [{ method: 'GET', url: 'https://api.example/contacts?page=1&apiKey=********', status: 200, ms: 12 }],
    records: 1,
    events: 1,
    problems: 0,
    ...spec,
  };
}

/** UTF-8 byte order: SQLite's BINARY collation and PostgreSQL's "C". */
export const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
