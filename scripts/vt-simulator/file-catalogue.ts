import { readdir, readFile } from 'node:fs/promises';
import { generatedNetworkObject, type NetworkObject } from './network-generator.js';
import { buildFileObject, generatedSpec, type EngineInfo, type FileObject, type SimFileSpec } from './file-generator.js';

export const FIXTURES_DIR = new URL('../../tests/fixtures/virustotal/', import.meta.url);

const HASH = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/;

export function isFileHash(value: string): boolean {
  return HASH.test(value.toLowerCase());
}

interface Envelope {
  data: { id: string; type: string; attributes: Record<string, unknown> };
}

function isEnvelope(value: unknown): value is Envelope {
  const data = (value as { data?: { id?: unknown; type?: unknown; attributes?: unknown } } | null)?.data;
  return typeof data?.id === 'string' && typeof data.type === 'string' && typeof data.attributes === 'object';
}

/**
 * Every object the fake VirusTotal knows. Files are indexed under all three hashes because
 * VirusTotal accepts any of them and always answers with the SHA-256 as `data.id`.
 */
export class FileCatalogue {
  readonly #files = new Map<string, FileObject>();
  readonly #domains = new Map<string, unknown>();
  readonly #ips = new Map<string, unknown>();
  readonly #roster: EngineInfo[];
  readonly #generate: boolean;

  private constructor(roster: EngineInfo[], generate: boolean) {
    this.#roster = roster;
    this.#generate = generate;
  }

  /** Loads every `file-*`, `domain-*` and `ip-*` fixture; the engine roster comes from the real EICAR report. */
  static async load(generate: boolean, dir: URL = FIXTURES_DIR): Promise<FileCatalogue> {
    const bodies: unknown[] = [];
    for (const name of (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()) {
      bodies.push(JSON.parse(await readFile(new URL(name, dir), 'utf8')));
    }
    const envelopes = bodies.filter(isEnvelope);
    const files = envelopes.filter((b) => b.data.type === 'file');
    const eicar = files.find((b) => b.data.attributes['md5'] === '44d88612fea8a8f36de82e1278abb02f') ?? files[0];
    const results = (eicar?.data.attributes['last_analysis_results'] ?? {}) as Record<string, { engine_name?: string; engine_version?: string | null }>;
    const roster = Object.entries(results).map(([name, e]) => ({ name: e.engine_name ?? name, version: e.engine_version ?? null }));
    if (roster.length === 0) throw new Error(`vt-simulator: no file fixture with engine results in ${dir.pathname}`);

    const catalogue = new FileCatalogue(roster, generate);
    for (const body of envelopes) {
      if (body.data.type === 'file') catalogue.register(body as unknown as FileObject);
      else if (body.data.type === 'domain') catalogue.#domains.set(body.data.id.toLowerCase(), body);
      else if (body.data.type === 'ip_address') catalogue.#ips.set(body.data.id, body);
    }
    return catalogue;
  }

  register(file: FileObject): void {
    const a = file.data.attributes;
    for (const alias of [file.data.id, a['sha256'], a['sha1'], a['md5']]) {
      if (typeof alias === 'string' && alias) this.#files.set(alias.toLowerCase(), file);
    }
  }

  add(spec: SimFileSpec): FileObject {
    const file = buildFileObject(spec, this.#roster);
    this.register(file);
    return file;
  }

  /** The file for any of its hashes; in generate mode an unknown well-formed hash may come into being. */
  file(hash: string): FileObject | undefined {
    const key = hash.toLowerCase();
    const known = this.#files.get(key);
    if (known || !this.#generate || !isFileHash(key)) return known;
    const spec = generatedSpec(key);
    return spec ? this.add(spec) : undefined;
  }

  /** SHA-256 of an already known file, without generating anything: used to match aliases in the call log. */
  resolve(hash: string): string | undefined {
    return this.#files.get(hash.toLowerCase())?.data.id;
  }

  /** A captured domain; in generate mode an unknown one may come into being, shaped like the google.com capture. */
  domain(name: string): unknown {
    return this.#known(this.#domains, name.toLowerCase(), 'google.com');
  }

  /** A captured IP; in generate mode an unknown one may come into being, shaped like the 1.1.1.1 capture. */
  ip(address: string): unknown {
    return this.#known(this.#ips, address, '1.1.1.1');
  }

  #known(objects: Map<string, unknown>, id: string, templateId: string): unknown {
    const known = objects.get(id);
    const template = objects.get(templateId) as NetworkObject | undefined;
    if (known || !this.#generate || !template) return known;
    const made = generatedNetworkObject(id, template);
    if (made) objects.set(id, made);
    return made ?? undefined;
  }
}
