/** Where Pollster's processes find Temporal, from the environment: the embedded dev server, or TEMPORAL_ADDRESS. */
import { readFileSync } from 'node:fs';

export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?: { clientCertPair?: { crt: Buffer; key: Buffer }; serverRootCACertificate?: Buffer } | boolean;
}

export function temporalTarget(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const address = env.TEMPORAL_ADDRESS || `127.0.0.1:${env.POLLSTER_TEMPORAL_PORT || '7233'}`;
  const namespace = env.TEMPORAL_NAMESPACE || 'default';
  const cert = env.TEMPORAL_TLS_CERT;
  const key = env.TEMPORAL_TLS_KEY;
  const ca = env.TEMPORAL_TLS_CA;
  let tls: TemporalTarget['tls'];
  if (cert && key) tls = { clientCertPair: { crt: readFileSync(cert), key: readFileSync(key) }, serverRootCACertificate: ca ? readFileSync(ca) : undefined };
  else if (ca) tls = { serverRootCACertificate: readFileSync(ca) };
  else if (env.TEMPORAL_TLS === 'true') tls = true;
  return { address, namespace, tls };
}
