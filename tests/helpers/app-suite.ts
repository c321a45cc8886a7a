import { after, before } from 'node:test';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app.js';

/** Options, or a function that makes them inside `before` (e.g. after starting a shared fake). */
export type SuiteOptions = TestAppOptions | (() => TestAppOptions | Promise<TestAppOptions>);

/**
 * The app for one describe block (or file): registers node:test `before` (start) and `after`
 * (stop) and returns a stand-in whose properties reach the started app. Hooks registered after
 * this call run once the app is up, so `before(async () => { client = await signedIn(app) })` works.
 */
export function appSuite(options: SuiteOptions = {}): TestApp {
  let current: TestApp | null = null;
  const app = (): TestApp => {
    if (!current) throw new Error('the suite app was used before its before() hook started it');
    return current;
  };
  before(async () => {
    current = await startTestApp(typeof options === 'function' ? await options() : options);
  });
  after(async () => {
    await current?.stop();
  });
  const handle = {
    client: () => app().client(),
    stopApp: () => app().stopApp(),
    stop: () => app().stop(),
  } as TestApp;
  for (const key of ['url', 'runtime', 'sim', 'smtp', 'databasePath', 'db'] as const) {
    Object.defineProperty(handle, key, { get: () => app()[key], enumerable: true });
  }
  return handle;
}
