import { after, before } from 'node:test';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app.js';

/** Options, or a function that makes them inside `before` (e.g. after starting a shared fake). */
export type SuiteOptions = TestAppOptions | (() => TestAppOptions | Promise<TestAppOptions>);

/**
 * The app for one describe block (or file): registers node:test `before` (start) and `after`
 * (stop) and returns a stand-in whose properties reach the started app. `ready` runs in the same
 * hook once the app is up (arrangement shared by the suite's tests). Inside a describe, a later
 * `before` would do as well; at a file's top level it would not: Node 20 starts root hooks without
 * waiting for the one before.
 */
export function appSuite(options: SuiteOptions = {}, ready?: (app: TestApp) => void | Promise<void>): TestApp {
  let current: TestApp | null = null;
  const app = (): TestApp => {
    if (!current) throw new Error('the suite app was used before its before() hook started it');
    return current;
  };
  before(async () => {
    current = await startTestApp(typeof options === 'function' ? await options() : options);
    await ready?.(current);
  });
  after(async () => {
    await current?.stop();
  });
  const handle = {
    client: () => app().client(),
    stopApp: () => app().stopApp(),
    stop: () => app().stop(),
  } as TestApp;
  for (const key of ['url', 'runtime', 'sim', 'smtp', 'databasePath', 'databaseUrl', 'databaseEnv', 'db'] as const) {
    Object.defineProperty(handle, key, { get: () => app()[key], enumerable: true });
  }
  return handle;
}
