/**
 * `npm run demo`: the app against a local VirusTotal simulator, so it can be tried without a key.
 * Every result in demo mode is SIMULATED: the EICAR test file and one malicious DLL come from real
 * captured VirusTotal answers; any other hash gets an invented, deterministic answer.
 * Uses its own database (db/data/demo.sqlite) so demo results never mix with real ones. It also
 * shows the feeds (the simulator's, a few minutes of backfill) and a watched report's change email
 * (a local mail sink writes every email to db/data/demo-mail/ unless SMTP_URL is set).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../src/shared/config.js';
import { ListenError, startRuntime } from '../src/runtime.js';
import { startVtSimulator } from './vt-simulator/simulator.js';
import { startDemoMailSink, type DemoMailSink } from './demo-mail.js';
import { DEMO_FEED_OPTIONS, restartDemoFeeds, valuesInFeed } from './demo-feeds.js';
import { scheduleDemoFlip } from './demo-flip.js';

if (existsSync('.env')) process.loadEnvFile('.env');
const DEMO_KEY = 'demo-key-simulated';
const perMinute = Number(process.env.DEMO_RATE_PER_MINUTE ?? 60);
const flipAfterSeconds = Number(process.env.DEMO_FLIP_AFTER_SECONDS ?? 120);

const sim = await startVtSimulator({ keys: { [DEMO_KEY]: { perMinute, perDay: 100_000 } }, generate: true, feeds: DEMO_FEED_OPTIONS });
const mail: DemoMailSink | null = process.env.SMTP_URL
  ? null
  : await startDemoMailSink(resolve(process.env.DEMO_MAIL_DIR ?? 'db/data/demo-mail'), (file, subject) => console.log(`  mail: "${subject}" -> ${file}`));
const closeFakes = async () => {
  await sim.close();
  await mail?.close();
};
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig({
    // Demo-friendly defaults, each overridable from the environment.
    VT_FEEDS: 'files,domains,ip_addresses',
    VT_FEED_BACKFILL_MINUTES: '65',
    WATCH_RECHECK_HOURS: '0.05',
    ...process.env,
    ...(mail ? { SMTP_URL: mail.url } : {}),
    DATABASE_PATH: process.env.DEMO_DATABASE_PATH ?? 'db/data/demo.sqlite',
    VT_API_URL: sim.url,
    VT_API_KEY: DEMO_KEY,
    VT_RATE_PER_MINUTE: String(perMinute),
    VT_RATE_PER_DAY: '100000',
  });
  if (!(flipAfterSeconds >= 0)) throw new ConfigError('DEMO_FLIP_AFTER_SECONDS must be a number of seconds, 0 or more');
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  await closeFakes();
  process.exit(1);
}
await restartDemoFeeds(config);
const flip = scheduleDemoFlip(sim, flipAfterSeconds * 1000);
const runtime = await startRuntime(config, {
  siteNotice: 'Demo mode: every VirusTotal result here is simulated by a local fake, not real threat data.',
  // Due re-checks are looked for several times per re-check period, so a change comes soon after it is due.
  watchPollMs: Math.min(30_000, Math.max(1000, Math.round(config.watch.recheckMs / 6))),
}).catch(async (err: unknown) => {
  if (!(err instanceof ListenError)) throw err;
  console.error(err.message);
  flip.stop();
  await closeFakes();
  process.exit(1);
});
void flip.flipped.then(() => console.log(`  demo: ${flip.md5} is now malicious on the simulator; the file feed publishes the new analysis within a minute`));

const inFeed = valuesInFeed(config.feeds.types, config.feeds.backfillMinutes);
const span = (ms: number) => (ms < 90_000 ? `${Math.round(ms / 1000)} seconds` : `${Math.round(ms / 60_000)} minutes`);
// The flip, up to a minute until the feed publishes it, then the next re-check.
const emailIn = span(flipAfterSeconds * 1000 + 60_000 + config.watch.recheckMs);
console.log(`
  Hash Report DEMO: ${runtime.url}
  Lookups go to a local VirusTotal simulator at ${sim.url}: every result is SIMULATED.
  Try the EICAR MD5 44d88612fea8a8f36de82e1278abb02f, tawuhoju[.]com or 1.1.1.1 (real captured answers),
  and any other hashes, domains or IPs.
  Simulated key allows ${perMinute} lookups/minute (DEMO_RATE_PER_MINUTE). Ctrl+C stops.
${mail ? `
  Email: every message the app sends is written to ${mail.folder}/ (one .eml file each, open it in
  a mail program or a text editor). Registering sends a confirmation link there first.
` : `
  Email goes to SMTP_URL.
`}
  Feeds (VT_FEEDS=${config.feeds.types.join(',')}): the simulator's feeds fill the cache from ${config.feeds.backfillMinutes} minutes back, then a
  batch a minute. Values known to be in them, answered "from feed" with no lookup:
${Object.entries(inFeed).map(([type, value]) => `    ${type}: ${value}`).join('\n')}
  /admin shows each feed's cursor, objects today and objects per second.

  Watched report: upload ${flip.md5} (clean for now), click "Watch this report";
  ${span(flipAfterSeconds * 1000)} after its first lookup VirusTotal (simulated) calls it malicious, re-checks run every
  ${span(config.watch.recheckMs)} (WATCH_RECHECK_HOURS): the change email is in ${mail ? `${mail.folder}/` : 'your mailbox'}
  within ~${emailIn}, and the report's Changes page shows clean -> malicious.

  To see /admin: register, then in another shell
    DATABASE_PATH=${config.databasePath} npm run admin -- grant you@example.com
`);
const stop = async () => {
  flip.stop();
  await runtime.stop();
  await closeFakes();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
