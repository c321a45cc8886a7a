import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';

// One short line per request: method, path, status and time. Headers (about 2 KB a request, cookies
// and bearer tokens among them) never reach the log; the id ties the line to the error page's reference.

/** A path as logged: the value of a `token=` parameter (confirmation links) is not kept. */
export const loggedUrl = (url: string | undefined) => (url ?? '').replace(/([?&]token=)[^&#]*/gi, '$1[Redacted]');

interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
}

const urlOf = (req: IncomingMessage) => loggedUrl((req as { originalUrl?: string }).originalUrl ?? req.url);

export const requestLogOptions: Pick<Options, 'serializers' | 'customSuccessMessage' | 'customErrorMessage'> = {
  serializers: {
    req: (req: SerializedRequest) => ({ id: req.id, method: req.method, url: loggedUrl(req.url) }),
    res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
  },
  customSuccessMessage: (req: IncomingMessage, res: ServerResponse, responseTime: number) => `${req.method} ${urlOf(req)} ${res.statusCode} ${Math.round(responseTime)} ms`,
  customErrorMessage: (req: IncomingMessage, res: ServerResponse, err: Error) => `${req.method} ${urlOf(req)} ${res.statusCode} failed: ${err.message}`,
};
