/**
 * The provider endpoints an instance configuration names (its API root, the OAuth2 token endpoint),
 * checked against the outbound address policy when the instance is created or changed, so a poll
 * that could only be refused is a 400 at its key instead. Every request is checked again when it
 * connects (elements/providerHttp.ts), which also covers the roots an element derives itself.
 */
import { checkOutboundUrl, OutboundRefused, type PolicyOptions } from '../net/outboundGuard';

export interface EndpointIssue {
  key: string;
  message: string;
}

/** The configured URLs Pollster will call for this instance, by configuration key. */
export function providerEndpoints(c: Readonly<Record<string, string>>): { key: string; url: string }[] {
  const endpoints: { key: string; url: string }[] = [];
  for (const key of ['base.url', 'baseUrl', 'oauth.token.url']) {
    const value = c[key]?.trim();
    if (value) endpoints.push({ key, url: value });
  }
  // Sage CRM's host, when base.url does not replace it (elements/sagecrm.ts).
  const subdomain = c['subdomain']?.trim().replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  if (subdomain && !c['base.url']?.trim()) endpoints.push({ key: 'subdomain', url: `https://${subdomain}/` });
  return endpoints;
}

/** Issues for every configured endpoint the policy refuses (`POLLSTER_ALLOW_PRIVATE_PROVIDERS`). */
export async function checkProviderEndpoints(c: Readonly<Record<string, string>>, options: PolicyOptions = {}): Promise<EndpointIssue[]> {
  const issues: EndpointIssue[] = [];
  for (const { key, url } of providerEndpoints(c)) {
    try {
      await checkOutboundUrl(url, 'provider', options);
    } catch (err) {
      if (!(err instanceof OutboundRefused)) throw err;
      issues.push({ key, message: err.message });
    }
  }
  return issues;
}
