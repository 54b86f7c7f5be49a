/** Pollster's search attributes (SPEC §8): registered at dev-server start, kept current by the workflow. Never secret. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const ElementKey = defineSearchAttributeKey('ElementKey', SearchAttributeType.KEYWORD);
export const InstanceName = defineSearchAttributeKey('InstanceName', SearchAttributeType.KEYWORD);
export const InstanceTags = defineSearchAttributeKey('InstanceTags', SearchAttributeType.KEYWORD_LIST);
export const EventsEnabled = defineSearchAttributeKey('EventsEnabled', SearchAttributeType.BOOL);
export const PollerState = defineSearchAttributeKey('PollerState', SearchAttributeType.KEYWORD);
export const LastPollAt = defineSearchAttributeKey('LastPollAt', SearchAttributeType.DATETIME);

/** `temporal server start-dev --search-attribute` arguments. */
export const SEARCH_ATTRIBUTE_TYPES: Record<string, string> = {
  ElementKey: 'Keyword',
  InstanceName: 'Keyword',
  InstanceTags: 'KeywordList',
  EventsEnabled: 'Bool',
  PollerState: 'Keyword',
  LastPollAt: 'Datetime',
};
