/**
 * A fetch wrapper that behaves like a browser without JavaScript: it keeps cookies, follows no
 * redirects on its own (tests assert them), and reads the CSRF token from the page it was given.
 */
export class HttpClient {
  lastHtml = '';

  constructor(
    readonly baseUrl: string,
    private readonly cookies = new Map<string, string>(),
  ) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** The same browser reaching another instance (as behind a load balancer): a client sharing this cookie jar. */
  on(baseUrl: string): HttpClient {
    return new HttpClient(baseUrl, this.cookies);
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', this.cookieHeader());
    const response = await fetch(new URL(path, this.baseUrl), { ...init, headers, redirect: 'manual' });
    this.remember(response);
    return response;
  }

  /** GET a page and keep its HTML (for the CSRF token). */
  async get(path: string, init: RequestInit = {}): Promise<Response & { html: string }> {
    const response = await this.request(path, init);
    const html = await response.text();
    if ((response.headers.get('content-type') ?? '').includes('text/html')) this.lastHtml = html;
    return Object.assign(response, { html });
  }

  csrfToken(html = this.lastHtml): string {
    const match = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!match?.[1]) throw new Error('no CSRF token on the last page');
    return match[1];
  }

  /** POSTs a url-encoded form, with the token from `tokenFrom` (a page path) unless `_csrf` is given. */
  async postForm(path: string, fields: Record<string, string>, tokenFrom?: string): Promise<Response & { html: string }> {
    if (!('_csrf' in fields)) {
      if (tokenFrom) await this.get(tokenFrom);
      fields = { _csrf: this.csrfToken(), ...fields };
    }
    const response = await this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    const html = await response.text();
    return Object.assign(response, { html });
  }

  /** POSTs the upload form as multipart, the CSRF token first as a browser sends hidden fields first. */
  async upload(
    fields: { file?: { name: string; content: string | Buffer; type?: string }; hashes?: string; name?: string; notify?: boolean; _csrf?: string },
  ): Promise<Response & { html: string }> {
    const token = fields._csrf ?? (await this.get('/reports/new'), this.csrfToken());
    const form = new FormData();
    form.append('_csrf', token);
    if (fields.file) {
      const bytes = typeof fields.file.content === 'string' ? Buffer.from(fields.file.content) : fields.file.content;
      form.append('file', new Blob([new Uint8Array(bytes)], { type: fields.file.type ?? 'text/plain' }), fields.file.name);
    }
    if (fields.hashes !== undefined) form.append('hashes', fields.hashes);
    if (fields.name !== undefined) form.append('name', fields.name);
    if (fields.notify) form.append('notify', 'on');
    const response = await this.request('/reports', { method: 'POST', body: form });
    const html = await response.text();
    return Object.assign(response, { html });
  }

  async register(email: string, password = 'correct horse battery'): Promise<Response & { html: string }> {
    return this.postForm('/register', { email, password, confirm: password }, '/register');
  }

  async login(email: string, password = 'correct horse battery'): Promise<Response & { html: string }> {
    return this.postForm('/login', { email, password }, '/login');
  }
}

let counter = 0;
/** A unique address per call, so tests never share accounts. */
export function uniqueEmail(prefix = 'analyst'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}@example.test`;
}
