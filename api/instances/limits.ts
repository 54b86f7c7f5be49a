/** What an instance may weigh: far enough below Temporal's limits that no request the API accepts can reach them. */
import type { InstanceSpec } from '../../core/instanceSpec';
import type { Issue } from '../../core/issues';
import type { PollerSettings } from '../../core/settings';
import { MAX_CONFIGURATION_BYTES, MAX_RESOURCES, MAX_TAGS_BYTES, tagsTooLarge, utf8Bytes as bytes } from '../../contract/limits';

export function limitIssues(spec: InstanceSpec, settings: PollerSettings): Issue[] {
  const issues: Issue[] = [];
  const tagBytes = tagsTooLarge(spec.tags);
  if (tagBytes !== undefined) issues.push({ path: 'tags', message: `the tags take ${tagBytes} bytes together (as JSON); at most ${MAX_TAGS_BYTES}` });
  const configurationBytes = Object.entries(spec.configuration).reduce((n, [key, value]) => n + bytes(key) + bytes(value), 0);
  if (configurationBytes > MAX_CONFIGURATION_BYTES) {
    issues.push({ path: 'configuration', message: `the configuration takes ${configurationBytes} bytes (keys and values as stored); at most ${MAX_CONFIGURATION_BYTES}` });
  }
  const resources = Object.keys(settings.resources).length;
  if (resources > MAX_RESOURCES) issues.push({ path: "configuration['event.poller.configuration']", message: `${resources} resources; at most ${MAX_RESOURCES}` });
  return issues;
}
