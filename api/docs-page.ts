import type { OpenApiObject } from './openapi.js';
import type { OpenApiDocument } from './openapi-document.js';

/**
 * The human-readable API page (GET /api/v1/docs), rendered from the OpenAPI document on the server:
 * one self-contained HTML file with inline styles and no scripts, so it works on a ship's or a
 * bureau's network with no internet and loads nothing from anywhere.
 */

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: OpenApiObject;
  example?: unknown;
}

interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { example?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: OpenApiObject }> }>;
  security?: unknown[];
  /** Code samples that replace the generated curl line (the WebSocket endpoint has no curl). */
  'x-codeSamples'?: Array<{ lang: string; label?: string; source: string }>;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'] as const;

/** Style of the page; kept inline so the page is one file. */
const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#1b2a35;background:#f6f8fa}
header,main{max-width:960px;margin:0 auto;padding:0 20px}
header{padding-top:24px}
nav{max-width:960px;margin:0 auto;padding:8px 20px;display:flex;flex-wrap:wrap;gap:6px 16px}
nav a{color:#0b5c8a}
h1 small{font-weight:normal;color:#5a6b78;font-size:60%}
h2{border-bottom:2px solid #0b5c8a;padding-bottom:4px;margin-top:40px;text-transform:capitalize}
article{background:#fff;border:1px solid #d8dee4;border-radius:6px;padding:4px 16px 12px;margin:16px 0}
h3{font-size:16px;font-family:ui-monospace,Menlo,Consolas,monospace}
.method{display:inline-block;min-width:56px;text-align:center;border-radius:4px;color:#fff;padding:1px 6px;margin-right:8px;font-size:13px}
.get{background:#0b7a4b}.post{background:#0b5c8a}.put,.patch{background:#9a6700}.delete{background:#b42318}.head,.options{background:#5a6b78}
.summary{font-weight:600}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;border-top:1px solid #e5e9ed;padding:4px 8px;vertical-align:top}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
pre{background:#1b2a35;color:#e6edf3;padding:10px;border-radius:4px;overflow-x:auto;white-space:pre-wrap}
.auth{color:#5a6b78;font-size:13px}
`;

/** The page for `document`, with example commands addressed to `origin` (e.g. `http://127.0.0.1:8080`). */
export function renderDocsPage(document: OpenApiDocument, origin: string): string {
  const info = document.info as { title: string; version: string; description?: string };
  const paths = document.paths as Record<string, Record<string, Operation>>;
  const tagList = (document.tags as Array<{ name: string; description?: string }> | undefined) ?? [];
  const defaultSecurity = (document.security as unknown[] | undefined) ?? [];

  const byTag = new Map<string, string[]>(tagList.map((t) => [t.name, []]));
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push(renderOperation(document, method, path, op, origin, (op.security ?? defaultSecurity).length > 0));
    }
  }
  const sections = [...byTag].filter(([, ops]) => ops.length > 0);
  const tagDescription = (name: string) => tagList.find((t) => t.name === name)?.description;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} ${esc(info.version)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(info.title)} <small>${esc(info.version)}</small></h1>
${prose(info.description ?? '')}
<p>Machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI ${esc(String(document.openapi))}).</p>
</header>
<nav>${sections.map(([name]) => `<a href="#${anchor(name)}">${esc(name)}</a>`).join('')}</nav>
<main>
${sections.map(([name, ops]) => `<section id="${anchor(name)}">\n<h2>${esc(name)}</h2>\n${prose(tagDescription(name) ?? '')}\n${ops.join('\n')}\n</section>`).join('\n')}
</main>
</body>
</html>
`;
}

function renderOperation(document: OpenApiDocument, method: string, path: string, op: Operation, origin: string, secured: boolean): string {
  const parameters = (op.parameters ?? []).map((p) => deref<Parameter>(document, p));
  const responses = Object.entries(op.responses ?? {}).map(([status, r]) => [status, deref<NonNullable<Operation['responses']>[string]>(document, r)] as const);
  const samples = op['x-codeSamples'] ?? [{ lang: 'shell', label: 'curl', source: curl(method, path, op, parameters, origin, secured) }];
  return `<article id="${anchor(`${method}-${path}`)}">
<h3><span class="method ${method}">${method.toUpperCase()}</span>${esc(path)}</h3>
${op.summary ? `<p class="summary">${esc(op.summary)}</p>` : ''}
<p class="auth">${secured ? 'Needs a token (Authorization: Bearer, or ?token=).' : 'No token needed.'}</p>
${prose(op.description ?? '')}
${
  parameters.length === 0
    ? ''
    : `<h4>Parameters</h4>
<table><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr>
${parameters.map((p) => `<tr><td><code>${esc(p.name)}</code>${p.required ? ' (required)' : ''}</td><td>${esc(p.in)}</td><td>${esc(schemaSummary(p.schema))}</td><td>${inline(p.description ?? '')}</td></tr>`).join('\n')}
</table>`
}
<h4>Responses</h4>
<table><tr><th>status</th><th>description</th><th>content</th></tr>
${responses.map(([status, r]) => `<tr><td>${esc(status)}</td><td>${inline(r.description ?? '')}</td><td>${Object.entries(r.content ?? {}).map(([type, c]) => `<code>${esc(type)}</code> ${esc(schemaSummary(c.schema))}`).join('<br>')}</td></tr>`).join('\n')}
</table>
<h4>Example</h4>
${samples.map((s) => `<pre><code>${esc(s.source)}</code></pre>`).join('\n')}
</article>`;
}

/** A ready-to-paste curl line: required parameters and those with an example, the token from $TIDEWATCH_TOKEN. */
function curl(method: string, path: string, op: Operation, parameters: Parameter[], origin: string, secured: boolean): string {
  const value = (p: Parameter) => String(p.example ?? (p.schema?.example as unknown) ?? `<${p.name}>`);
  const shown = parameters.filter((p) => p.required || p.example !== undefined || p.schema?.example !== undefined);
  const filledPath = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const p = shown.find((q) => q.in === 'path' && q.name === name);
    return p ? encodeURIComponent(value(p)) : `<${name}>`;
  });
  // Commas are legal in a query string and keep a bbox readable.
  const query = shown.filter((p) => p.in === 'query').map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(value(p)).replace(/%2C/g, ',')}`);
  const body = op.requestBody?.content?.['application/json']?.example;
  const parts = ['curl'];
  if (method !== 'get') parts.push(`-X ${method.toUpperCase()}`);
  if (secured) parts.push('-H "Authorization: Bearer $TIDEWATCH_TOKEN"');
  if (body !== undefined) parts.push("-H 'Content-Type: application/json'", `-d '${JSON.stringify(body)}'`);
  parts.push(`'${origin}${filledPath}${query.length > 0 ? `?${query.join('&')}` : ''}'`);
  return parts.join(' ');
}

/** `{ $ref: '#/components/…' }` replaced by what it points at. */
function deref<T>(document: OpenApiDocument, value: unknown): T {
  const ref = (value as { $ref?: unknown }).$ref;
  if (typeof ref !== 'string') return value as T;
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document) as T;
}

/** `string`, `integer (int32)`, `array of number`, `one of: a, b`, or a component's name. */
function schemaSummary(schema: OpenApiObject | undefined): string {
  if (!schema) return '';
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop()!;
  if (Array.isArray(schema.enum)) return `one of: ${schema.enum.join(', ')}`;
  if (schema.type === 'array') return `array of ${schemaSummary(schema.items as OpenApiObject | undefined) || 'any'}`;
  return [schema.type, schema.format ? `(${String(schema.format)})` : ''].filter(Boolean).join(' ');
}

/** Paragraphs (blank-line separated), "- " list items, escaped text with `code` spans. */
function prose(text: string): string {
  const html: string[] = [];
  let paragraph: string[] = [];
  let items: string[] = [];
  const close = () => {
    if (paragraph.length > 0) html.push(`<p>${inline(paragraph.join('\n'))}</p>`);
    if (items.length > 0) html.push(`<ul>${items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`);
    paragraph = [];
    items = [];
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') close();
    else if (line.startsWith('- ')) {
      if (paragraph.length > 0) close();
      items.push(line.slice(2));
    } else {
      if (items.length > 0) close();
      paragraph.push(line);
    }
  }
  close();
  return html.join('\n');
}

function inline(text: string): string {
  return esc(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function anchor(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
