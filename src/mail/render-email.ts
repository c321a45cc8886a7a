import { fileURLToPath } from 'node:url';
import path from 'node:path';
import ejs from 'ejs';

const emailViewsDir = fileURLToPath(new URL('../../views/emails/', import.meta.url));

/** Renders views/emails/<name>.text.ejs and <name>.html.ejs with the same data: every email has both parts. */
export async function renderEmail(name: string, data: Record<string, unknown>): Promise<{ text: string; html: string }> {
  const [text, html] = await Promise.all([
    ejs.renderFile(path.join(emailViewsDir, `${name}.text.ejs`), data),
    ejs.renderFile(path.join(emailViewsDir, `${name}.html.ejs`), data),
  ]);
  return { text, html };
}
