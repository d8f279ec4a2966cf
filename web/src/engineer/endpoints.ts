// The endpoints table of a run, from its openapi.json; "what flows into what" from the value-flow
// section of its README.md (the OpenAPI document does not carry it).

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

interface Operation {
  operationId?: string;
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

export function endpointsOf(spec: Spec, readme: string): Endpoint[] {
  const schemes = spec.components?.securitySchemes ?? {};
  const flows = flowsOf(readme);
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
