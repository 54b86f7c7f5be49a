/**
 * Pollster's search attributes: registered when the dev server starts (and by `npm run cluster`), kept current by
 * the instance workflow, read by the API's listing. Plain values, never secret.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const ElementKey = defineSearchAttributeKey('ElementKey', SearchAttributeType.KEYWORD);
export const InstanceName = defineSearchAttributeKey('InstanceName', SearchAttributeType.KEYWORD);
export const InstanceTags = defineSearchAttributeKey('InstanceTags', SearchAttributeType.KEYWORD_LIST);
export const EventsEnabled = defineSearchAttributeKey('EventsEnabled', SearchAttributeType.BOOL);
export const PollerState = defineSearchAttributeKey('PollerState', SearchAttributeType.KEYWORD);
export const LastPollAt = defineSearchAttributeKey('LastPollAt', SearchAttributeType.DATETIME);
/** `healthy`, `degraded` or `failing` (contract/instance.ts Health). */
export const Health = defineSearchAttributeKey('Health', SearchAttributeType.KEYWORD);

/** Every key, for registration. */
export const SEARCH_ATTRIBUTES = [ElementKey, InstanceName, InstanceTags, EventsEnabled, PollerState, LastPollAt, Health] as const;

const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** Name → type as the CLI spells it (`temporal server start-dev --search-attribute Name=Type`). */
export const SEARCH_ATTRIBUTE_TYPES: Record<string, string> = Object.fromEntries(SEARCH_ATTRIBUTES.map((key) => [key.name, CLI_TYPE_NAMES[key.type]]));
