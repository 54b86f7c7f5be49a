/**
 * History ⇄ proto3 JSON (the format of `temporal workflow show --output json` and the Temporal UI's
 * download). Not @temporalio/common's historyToJSON/historyFromJSON: with this lockfile npm installs
 * protobufjs 8 twice (under @temporalio/common and under @temporalio/proto, since @grpc/proto-loader
 * keeps protobufjs 7 at the top), and those helpers then fail with "type must be a Type". This uses
 * the protojson extension of the very protobufjs copy that @temporalio/proto loads.
 */
import { createRequire } from 'node:module';
import proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

type History = proto.temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

const requireHere = createRequire(import.meta.url);
const protojson = createRequire(requireHere.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

export function historyToJSON(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
}

export function historyFromJSON(json: unknown): History {
  // Fields a newer server adds are skipped, as the SDK's own loader does.
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History | null;
  if (!history?.events?.length) throw new TypeError('not a workflow history: no events');
  return history;
}
