import type { Config } from './config.js';

const LOOPBACK_HOSTS = new Set(['localhost', '::1']);
const LOOPBACK_PROXIES = new Set(['loopback', '127.0.0.1', '::1', '127.0.0.1/8', '::1/128']);

/** Binds only to this machine: nobody else can reach the app directly. */
export const isLoopbackHost = (host: string) => LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * Settings that are dangerous together, in words for the start-up log. Trusting proxy hops while the
 * app listens beyond loopback lets a client that reaches it directly write its own X-Forwarded-For:
 * every request a new address, past the per-address sign-in limit.
 */
export function exposureWarnings(config: Pick<Config, 'host' | 'trustProxy'>): string[] {
  const trust = config.trustProxy;
  const trustsHops = trust === true || (typeof trust === 'number' && trust > 0) || (Array.isArray(trust) && trust.some((p) => !LOOPBACK_PROXIES.has(p)));
  if (!trustsHops || isLoopbackHost(config.host)) return [];
  return [
    `TRUST_PROXY trusts forwarded addresses while the app listens on ${config.host}: a client that reaches it directly, not through your proxy, ` +
      'can send its own X-Forwarded-For and pass the per-address limits. Bind the app to the proxy only (HOST), or firewall the port.',
  ];
}
