import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/**
 * Helmet's default security headers, computed once. @fastify/helmet runs helmet's middleware
 * factory on every request (parsing the CSP directives each time), which halved the throughput of a
 * cached GET in bench/api.ts (0.45× → 0.9× of a bare server); the app sends these identical headers.
 */
export function helmetHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  // No upgrade-insecure-requests: the server speaks plain HTTP (TLS, when used, ends in a proxy),
  // and upgrading on a LAN address sends every asset to an HTTPS port that is not there.
  helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } })(
    {} as IncomingMessage,
    response as unknown as ServerResponse,
    () => {},
  );
  return Object.freeze(headers);
}
