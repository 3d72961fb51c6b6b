/** The parts of the app's own /openapi.json that the fuzzer generates requests from. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
  default?: unknown;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  /** e.g. `POST /reservations`, as in the document. */
  id: string;
  method: string;
  path: string;
  params: Parameter[];
  body?: JsonSchema;
}

interface RawOperation {
  parameters?: { name: string; in: string; required?: boolean; schema: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every documented operation (hidden routes, /docs and /openapi.json are not in `paths`). */
export function operationsOf(doc: { paths: Record<string, Record<string, RawOperation>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      // A server-sent-event stream never ends, so an injected request would wait for ever; the
      // stream's own tests (test/modules/queue/queue-stream.test.ts) cover its refusals.
      if (path === '/waiting/stream') continue;
      const params = (raw.parameters ?? []).map((p) => ({
        name: p.name,
        in: p.in as Parameter['in'],
        required: p.required ?? false,
        schema: p.schema,
      }));
      const body = raw.requestBody?.content?.['application/json']?.schema;
      operations.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        params,
        ...(body ? { body } : {}),
      });
    }
  }
  return operations;
}
