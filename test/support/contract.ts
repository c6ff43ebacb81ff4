/**
 * The one place tests check what goes over the wire against spec/openapi.yaml:
 * every response of the API, every webhook body and every example go through here.
 */
import { readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { escapePointerSegment } from '../../contract/json-pointer.js';
import { CONTRACT_AJV_OPTIONS } from '../../contract/schema-errors.js';
import { SPEC_FILE } from '../../contract/spec-file.js';
import { validationDocument } from '../../contract/validation-document.js';

const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

export const SPEC_PATH = SPEC_FILE;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const spec: any = parse(readFileSync(SPEC_PATH, 'utf8'));

// The contract's Ajv options and document view: what the server and the kit validate with.
const ajv = new Ajv2020({ ...CONTRACT_AJV_OPTIONS, allErrors: true });
addFormats(ajv);
ajv.addSchema(validationDocument(spec), 'openapi');

const compiled = new Map<string, ValidateFunction>();

/** A validator for the schema at a JSON pointer of the document (`/components/schemas/Problem`). */
export function validatorAt(pointer: string): ValidateFunction {
  let validate = compiled.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `openapi#${pointer}` });
    compiled.set(pointer, validate);
  }
  return validate;
}

export const escapePointer = escapePointerSegment;

const headerValidators = new Map<string, ValidateFunction>();

/** The errors of a header value against its (inline) schema, as text; undefined when it matches. */
function validateHeaderValue(schema: object, value: unknown): string | undefined {
  const key = JSON.stringify(schema);
  let validate = headerValidators.get(key);
  if (!validate) headerValidators.set(key, (validate = ajv.compile(schema)));
  return validate(value) ? undefined : ajv.errorsText(validate.errors);
}

/** Resolves a local `$ref` chain (`#/components/...`, `#/webhooks/...`) to the object and its pointer. */
export function resolve<T = any>(node: any, pointer: string): { node: T; pointer: string } {
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    pointer = node.$ref.slice(1);
    node = pointer
      .split('/')
      .slice(1)
      .reduce((at: any, key: string) => at?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return { node, pointer };
}

/** Throws a readable error unless `value` matches the schema at `pointer`. */
export function assertMatches(pointer: string, value: unknown, what = pointer): void {
  const validate = validatorAt(pointer);
  if (!validate(value)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new Error(`${what} does not match ${pointer}: ${errors}\n${JSON.stringify(value, null, 2).slice(0, 2000)}`);
  }
}

/** Throws unless `value` matches `components/schemas/{name}`. */
export function assertSchema(name: string, value: unknown): void {
  assertMatches(`/components/schemas/${escapePointer(name)}`, value, name);
}

/** Throws unless `body` is a valid `botMessage` webhook body. */
export function assertBotMessageEvent(body: unknown): void {
  assertSchema('BotMessageEvent', body);
}

interface OperationRef {
  pointer: string;
  operation: any;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const operations = new Map<string, OperationRef>();
for (const [root, items] of [['paths', spec.paths], ['webhooks', spec.webhooks]] as const) {
  for (const [path, rawItem] of Object.entries<any>(items ?? {})) {
    const { node: item, pointer: itemPointer } = resolve(rawItem, `/${root}/${escapePointer(path)}`);
    for (const method of HTTP_METHODS) {
      const operation = item?.[method];
      if (operation?.operationId) operations.set(operation.operationId, { pointer: `${itemPointer}/${method}`, operation });
    }
  }
}

/** One operation of the spec's `paths`, with what tests derive from it (the webhooks are not called, so not here). */
export interface PathOperation {
  operationId: string;
  /** The path template, as the spec writes it (`/v1/bots/{botId}/deliveries`). */
  path: string;
  /** Lower case, as the path item's key. */
  method: string;
  /** The declared response statuses, as the spec writes them (`200`, `4XX`, `default`). */
  statuses: string[];
  /** The names of the security schemes that apply: the operation's own, else the document's. */
  security: string[];
  hasBody: boolean;
  /** The names of its query parameters, the path item's included. */
  queryParams: string[];
}

/** Every operation of the spec's `paths`, in the spec's order. */
export const pathOperations: readonly PathOperation[] = Object.entries<any>(spec.paths).flatMap(([path, rawItem]) => {
  const { node: item } = resolve(rawItem, '');
  return HTTP_METHODS.filter((method) => item?.[method]?.operationId).map((method) => {
    const op = item[method];
    const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: any) => resolve(p, '').node);
    return {
      operationId: op.operationId,
      path,
      method,
      statuses: Object.keys(op.responses ?? {}),
      security: (op.security ?? spec.security ?? []).flatMap((requirement: object) => Object.keys(requirement)),
      hasBody: Boolean(op.requestBody),
      queryParams: params.filter((p: any) => p.in === 'query').map((p: any) => p.name),
    };
  });
});

export function operationById(operationId: string): OperationRef {
  const found = operations.get(operationId);
  if (!found) throw new Error(`the spec has no operation ${operationId}`);
  return found;
}

export interface WireResponse {
  status: number;
  headers: Headers | Record<string, string | string[] | undefined>;
  body: unknown;
}

function headerOf(headers: WireResponse['headers'], name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Throws unless the spec allows this response for the operation: a declared status (or range, or
 * `default`), a declared media type, a body that matches its schema, and the declared headers.
 */
export function assertResponseMatchesSpec(operationId: string, response: WireResponse): void {
  const { pointer, operation } = operationById(operationId);
  const responses = operation.responses ?? {};
  const key = [String(response.status), `${String(response.status)[0]}XX`, 'default'].find((k) => k in responses);
  if (!key) {
    throw new Error(`${operationId} answered ${response.status}, which the spec does not declare (${Object.keys(responses).join(', ')})\n${JSON.stringify(response.body).slice(0, 1000)}`);
  }
  const { node: declared, pointer: responsePointer } = resolve(responses[key], `${pointer}/responses/${key}`);
  const contentType = headerOf(response.headers, 'content-type')?.split(';')[0]?.trim();
  const content = declared.content ?? {};
  if (Object.keys(content).length === 0) {
    if (response.body !== undefined && response.body !== '' && response.body !== null) {
      throw new Error(`${operationId} ${response.status} declares no body but got one`);
    }
    return;
  }
  if (!contentType || !(contentType in content)) {
    throw new Error(`${operationId} ${response.status} answered content-type ${contentType}, declared: ${Object.keys(content).join(', ')}`);
  }
  if (content[contentType].schema) {
    assertMatches(`${responsePointer}/content/${escapePointer(contentType)}/schema`, response.body, `${operationId} ${response.status} body`);
  }
  for (const [name, rawHeader] of Object.entries<any>(declared.headers ?? {})) {
    const { node: header } = resolve(rawHeader, '');
    const value = headerOf(response.headers, name);
    if (header.required && value === undefined) {
      throw new Error(`${operationId} ${response.status} lacks the required header ${name}`);
    }
    // A header that is sent keeps within its declared schema (an integer header is sent as digits).
    if (value !== undefined && header.schema) {
      const parsed = header.schema.type === 'integer' && /^-?[0-9]+$/.test(value) ? Number(value) : value;
      const errors = validateHeaderValue(header.schema, parsed);
      if (errors) throw new Error(`${operationId} ${response.status} header ${name}: ${value} ${errors}`);
    }
  }
}

/** Reads a fetch Response into a WireResponse, JSON-decoding JSON bodies. */
export async function readWireResponse(res: Response): Promise<WireResponse> {
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const body = text === '' ? undefined : /json/.test(type) ? JSON.parse(text) : text;
  return { status: res.status, headers: res.headers, body };
}

/** Fetches and checks the response against the spec in one step; returns the decoded response. */
export async function fetchChecked(operationId: string, url: string, init?: RequestInit): Promise<WireResponse> {
  const wire = await readWireResponse(await fetch(url, init));
  assertResponseMatchesSpec(operationId, wire);
  return wire;
}
