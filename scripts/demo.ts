/**
 * `npm run demo`: the app against a local VirusTotal simulator, so it can be tried without a key.
 * Every result in demo mode is SIMULATED: the EICAR test file and one malicious DLL come from real
 * captured VirusTotal answers; any other hash gets an invented, deterministic answer.
 * Uses its own database (db/data/demo.sqlite) so demo results never mix with real ones.
 */
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from '../src/shared/config.js';
import { ListenError, startRuntime } from '../src/runtime.js';
import { startVtSimulator } from './vt-simulator/simulator.js';

if (existsSync('.env')) process.loadEnvFile('.env');
const DEMO_KEY = 'demo-key-simulated';
const perMinute = Number(process.env.DEMO_RATE_PER_MINUTE ?? 60);

const sim = await startVtSimulator({ keys: { [DEMO_KEY]: { perMinute, perDay: 100_000 } }, generate: true });
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig({
    ...process.env,
    DATABASE_PATH: process.env.DEMO_DATABASE_PATH ?? 'db/data/demo.sqlite',
    VT_API_URL: sim.url,
    VT_API_KEY: DEMO_KEY,
    VT_RATE_PER_MINUTE: String(perMinute),
    VT_RATE_PER_DAY: '100000',
  });
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  await sim.close();
  process.exit(1);
}
const runtime = await startRuntime(config, {
  siteNotice: 'Demo mode: every VirusTotal result here is simulated by a local fake, not real threat data.',
}).catch(async (err: unknown) => {
  if (!(err instanceof ListenError)) throw err;
  console.error(err.message);
  await sim.close();
  process.exit(1);
});
console.log(`
  Hash Report DEMO: ${runtime.url}
  Lookups go to a local VirusTotal simulator at ${sim.url}: every result is SIMULATED.
  Try the EICAR MD5 44d88612fea8a8f36de82e1278abb02f, tawuhoju[.]com or 1.1.1.1 (real captured answers),
  and any other hashes, domains or IPs.
  Simulated key allows ${perMinute} lookups/minute (DEMO_RATE_PER_MINUTE). Ctrl+C stops.
  To see /admin: register, then in another shell
    DATABASE_PATH=${config.databasePath} npm run admin -- grant you@example.com
`);
const stop = async () => {
  await runtime.stop();
  await sim.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
