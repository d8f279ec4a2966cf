// The endpoints table of a run, from its openapi.json; "what flows into what" from the document's
// response links (values that go into path, query and header parameters) and from the value flows
// of its model.json (which also has the body fields; a run made before model.json existed has
// them in its README.md).

export interface Endpoint {
  method: string;
  path: string;
  operation: string;
  /** GraphQL operations sent to this one path, by name. */
  variants: string[];
  /** Security scheme names, with a short description of each. */
  auth: { name: string; detail: string }[];
  /** "note_id ← list_notes → items[0].id" */
  inputs: string[];
}

interface Scheme {
  type?: string;
  scheme?: string;
  in?: string;
  name?: string;
}

interface Link {
  operationId?: string;
  parameters?: Record<string, string>;
}

interface Operation {
  operationId?: string;
  responses?: Record<string, { links?: Record<string, Link> }>;
  security?: Record<string, unknown>[];
  requestBody?: { content?: Record<string, { schema?: { oneOf?: { title?: string }[] } }> };
}

interface Spec {
  paths?: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, Scheme> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

function describe(s: Scheme | undefined): string {
  if (!s) return '';
  if (s.type === 'http') return `Authorization: ${s.scheme === 'bearer' ? 'Bearer' : (s.scheme ?? '')}`;
  if (s.type === 'apiKey') return `${s.in ?? ''} ${s.name ?? ''}`.trim();
  return s.type ?? '';
}

/** The API model of a run (model.json), as far as the table reads it. */
export interface Model {
  flows?: { operation?: string; param?: string; from_operation?: string; from?: string }[];
}

/** Value flows of model.json: target operation → "param ← source → field" lines. */
function modelFlows(model: Model): Map<string, string[]> {
  const flows = new Map<string, string[]>();
  for (const f of model.flows ?? []) {
    const target = f.operation ?? '';
    const flow = `${f.param ?? ''} ← ${f.from_operation ?? ''} → ${f.from ?? ''}`;
    const list = flows.get(target) ?? [];
    if (!list.includes(flow)) list.push(flow);
    flows.set(target, list);
  }
  return flows;
}

/** Value flows of README.md: target operation → "param ← source → field" lines. */
function flowsOf(readme: string): Map<string, string[]> {
  const flows = new Map<string, string[]>();
  // - step 9 `get_note(note_id=…)` ← step 8 `list_notes` → `items[0].id`
  const line = /^- step \d+ `(\w+)\((\w+)=…\)` ← step \d+ `(\w+)` → `([^`]+)`/u;
  for (const text of readme.split('\n')) {
    const m = line.exec(text.trim());
    if (!m) continue;
    const [, target = '', param = '', source = '', field = ''] = m;
    const flow = `${param} ← ${source} → ${field}`;
    const list = flows.get(target) ?? [];
    if (!list.includes(flow)) list.push(flow);
    flows.set(target, list);
  }
  return flows;
}

/** "$response.body#/items/0/id" → "items[0].id"; "$response.header.X" → "header X". */
function fieldOf(expr: string): string {
  if (expr.startsWith('$response.header.')) return `header ${expr.slice(17)}`;
  const pointer = expr.startsWith('$response.body#/') ? expr.slice(16) : expr;
  return pointer
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part, i) => (/^\d+$/u.test(part) ? `[${part}]` : i ? `.${part}` : part))
    .join('');
}

/** Response links of every operation: target operation → "param ← source → field" lines. */
function linkFlows(spec: Spec, flows: Map<string, string[]>): void {
  for (const item of Object.values(spec.paths ?? {})) {
    for (const op of Object.values(item)) {
      for (const response of Object.values(op.responses ?? {})) {
        for (const link of Object.values(response.links ?? {})) {
          for (const [param, expr] of Object.entries(link.parameters ?? {})) {
            const target = link.operationId ?? '';
            const flow = `${param.replace(/^\w+\./u, '')} ← ${op.operationId ?? ''} → ${fieldOf(expr)}`;
            const list = flows.get(target) ?? [];
            if (!list.includes(flow)) list.push(flow);
            flows.set(target, list);
          }
        }
      }
    }
  }
}

export function endpointsOf(spec: Spec, model: Model | null, readme = ''): Endpoint[] {
  const schemes = spec.components?.securitySchemes ?? {};
  const flows = model ? modelFlows(model) : flowsOf(readme);
  linkFlows(spec, flows);
  const out: Endpoint[] = [];
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const names = new Set<string>();
      for (const requirement of op.security ?? []) Object.keys(requirement).forEach((n) => names.add(n));
      const variants: string[] = [];
      for (const media of Object.values(op.requestBody?.content ?? {})) {
        for (const v of media.schema?.oneOf ?? []) if (v.title) variants.push(v.title);
      }
      const operation = op.operationId ?? '';
      const inputs = [operation, ...variants].flatMap((o) => flows.get(o) ?? []);
      out.push({
        method: method.toUpperCase(),
        path,
        operation,
        variants,
        auth: [...names].map((name) => ({ name, detail: describe(schemes[name]) })),
        inputs: [...new Set(inputs)],
      });
    }
  }
  return out;
}
