/**
 * Every route of the running app, read from its router (router 2.3's public `listRoutes()`), so a
 * test that walks them covers a route the day it is added.
 */
import type { Express } from 'express';

interface ListedRoute {
  path: unknown;
  /** Upper case, with '*' for `.all()`; undefined for a mounted router. */
  methods: string[] | undefined;
  router: Lister | undefined;
}

interface Lister {
  listRoutes(): ListedRoute[];
}

export interface AppRoute {
  method: 'GET' | 'POST' | string;
  path: string;
  /** The names of its parameters, in order: `/reports/:id` → ['id']. */
  params: string[];
}

/**
 * METHOD + full path of every route; HEAD (implied by GET) is left out. A route that is not a plain
 * string path, or uses wildcards or optional segments, fails loudly: the walk would not know how to fill it.
 */
export function listRoutes(app: Express): AppRoute[] {
  const root = (app as unknown as { router: Lister }).router;
  if (typeof root?.listRoutes !== 'function') throw new Error('the app\'s router has no listRoutes(): was router (Express 5) replaced?');
  const out: AppRoute[] = [];
  const walk = (router: Lister, prefix: string) => {
    for (const { path, methods, router: nested } of router.listRoutes()) {
      if (typeof path !== 'string' || /[*{}()]/.test(path)) {
        throw new Error(`route ${String(path)} under "${prefix || '/'}" is not a plain path: teach tests/helpers/routes.ts about it`);
      }
      const full = prefix + (nested && path === '/' ? '' : path);
      if (nested) walk(nested, full);
      for (const method of methods ?? []) {
        if (method === 'HEAD') continue;
        if (method === '*') throw new Error(`${full} answers every method (.all()): list them explicitly, or teach the route tests about it`);
        out.push({ method, path: full, params: [...full.matchAll(/:(\w+)/g)].map((m) => m[1] ?? '') });
      }
    }
  };
  walk(root, '');
  return out;
}

/** The path with its parameters filled in. */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for :${name} in ${path}`);
    return encodeURIComponent(value);
  });
}
