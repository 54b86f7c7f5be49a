/**
 * A URL as Pollster shows it (poll history, dry runs, errors): user and password, and query parameters whose names
 * say they carry a credential, replaced by `***`. The rest stays readable.
 */
const SECRET_PARAM = /(token|key|secret|password|passwd|pwd|signature|sig|auth|session|credential|code)/i;

export function maskUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//***@');
  }
  if (u.username) u.username = '***';
  if (u.password) u.password = '***';
  for (const name of [...new Set(u.searchParams.keys())]) if (SECRET_PARAM.test(name)) u.searchParams.set(name, '***');
  return u.toString();
}
