/**
 * Multipart bodies built byte by byte, for requests a browser's FormData would never send:
 * duplicate fields, hostile file names, truncated or mislabelled bodies.
 */
import type { HttpClient } from './http-client.js';

export interface Part {
  name: string;
  /** Makes the part a file. Escaped as browsers do (", CR and LF as %22, %0D, %0A); other bytes go as they are. */
  filename?: string;
  /** The part's content type; files default to text/plain. */
  type?: string;
  content: string | Buffer;
}

export const BOUNDARY = '----hash-report-test-boundary-7MA4YWxkTrZu0gW';

/** Quoting of a form-data name or filename, per the WHATWG HTML multipart/form-data encoding. */
const quote = (value: string) => `"${value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}"`;

function partBytes(part: Part, boundary: string): Buffer {
  const disposition = `form-data; name=${quote(part.name)}${part.filename === undefined ? '' : `; filename=${quote(part.filename)}`}`;
  const type = part.type ?? (part.filename === undefined ? undefined : 'text/plain');
  const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type ? `Content-Type: ${type}\r\n` : ''}\r\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from(part.content), Buffer.from('\r\n')]);
}

/** A well-formed body: the parts, then the closing boundary. */
export function multipartBody(parts: Part[], boundary = BOUNDARY): Buffer {
  return Buffer.concat([...parts.map((p) => partBytes(p, boundary)), Buffer.from(`--${boundary}--\r\n`)]);
}

/** POSTs raw bytes with the given content type (multipart/form-data with BOUNDARY unless told). */
export async function postRaw(
  client: HttpClient,
  path: string,
  body: Buffer | string,
  contentType = `multipart/form-data; boundary=${BOUNDARY}`,
  headers: Record<string, string> = {},
): Promise<Response & { html: string }> {
  const response = await client.request(path, {
    method: 'POST',
    headers: { ...headers, 'content-type': contentType },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const html = await response.text();
  return Object.assign(response, { html });
}
