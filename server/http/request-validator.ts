/**
 * Validates a routed request against its operation with the validators openapi-backend compiles
 * from the spec (Ajv 2020-12 with formats), and turns failures into a 400 problem that names
 * each failing field.
 */
import type { IncomingHttpHeaders } from 'node:http';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { OpenAPIBackend } from 'openapi-backend';
import { loadPrecompiledValidators } from './precompiled-validators.js';
import { Problem } from '../problem.js';
import type { SpecDocument } from '../spec-document.js';
import type { OperationRequest, ServedOperationId } from './handler.js';
import { fieldErrorsFromAjv } from './validation-errors.js';
import { CONTRACT_AJV_OPTIONS } from '../../contract/schema-errors.js';
import { validationDocument } from '../../contract/validation-document.js';

const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

/** The compiled validators of one operation, in the order openapi-backend runs them (body, then parameters). */
export type OperationValidators = ValidateFunction[];

/**
 * openapi-backend set up as this server validates with it. `source: true` keeps each compiled
 * validator's code, for `npm run build` to write it out (precompiled-validators.ts).
 */
export async function createValidationBackend(spec: SpecDocument, { source = false }: { source?: boolean } = {}): Promise<OpenAPIBackend> {
  // Loaded only when validators are compiled here: a build's precompiled ones need none of it.
  const { OpenAPIBackend } = await import('openapi-backend');
  /**
   * openapi-backend checks the document with the OpenAPI 3.0 meta-schema and rejects 3.1
   * (openapistack/openapi-backend#532); Redocly lints the document instead.
   */
  class OpenApi31Backend extends OpenAPIBackend {
    override validateDefinition() {
      return this.document;
    }
  }
  const api = new OpenApi31Backend({
    definition: validationDocument(spec.document),
    strict: true,
    validate: true,
    // Validators compile on first use instead of all at start (about a second of Ajv code
    // generation; response validators are never used here), and the document, already parsed,
    // is dereferenced synchronously.
    quick: true,
    customizeAjv: (_ajv, options) => {
      // The contract's options, which the error rule relies on (contract/schema-errors.ts).
      const ajv = new Ajv2020({ ...options, ...CONTRACT_AJV_OPTIONS, allErrors: true, ...(source && { code: { ...options.code, source: true } }) });
      addFormats(ajv);
      return ajv;
    },
  });
  await api.init();
  return api;
}

/** A routed request as read off the wire: path parameters from the router, the body parsed as JSON. */
export interface RawRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

/** The parts of an operation's request that its schemas describe, once they passed them. */
export type ValidatedInput<K extends ServedOperationId> = Pick<OperationRequest<K>, 'params' | 'query' | 'body'>;

export interface RequestValidator {
  /** The request in the operation's generated types; a 400 problem naming each failing field otherwise. */
  validate<K extends ServedOperationId>(operationId: K, request: RawRequest): ValidatedInput<K>;
  /**
   * Compiles the validators not compiled yet, one operation per turn of the event loop, so that
   * requests served meanwhile wait for one operation's compilation at most. Call it once the
   * server listens; an operation asked for before its turn compiles on first use.
   */
  warmUp(): Promise<void>;
}

/**
 * The validators of the build (`npm run build` writes them, see precompiled-validators.ts) when
 * they were compiled from this very spec: no Ajv code generation at run time, and openapi-backend
 * is not even loaded. Otherwise (the sources run by tsx or vitest, a spec edited since the build)
 * openapi-backend compiles them here, each on first use or in `warmUp`.
 */
export async function createRequestValidator(spec: SpecDocument, { precompiled = loadPrecompiledValidators(spec) } = {}): Promise<RequestValidator> {
  if (precompiled) return validatorOf((operationId) => precompiled.get(operationId), async () => undefined);
  const api = await createValidationBackend(spec);
  // Looked up once: given an id, openapi-backend rebuilds its whole operation list on every call.
  const operationIds = api.getOperations().flatMap((operation) => (operation.operationId ? [operation.operationId] : []));
  const known = new Set(operationIds);
  return validatorOf(
    (operationId) => (known.has(operationId) ? (api.validator.getRequestValidatorsForOperation(operationId) ?? []) : undefined),
    async () => {
      for (const operationId of operationIds) {
        await new Promise((resolve) => setImmediate(resolve));
        api.validator.getRequestValidatorsForOperation(operationId);
      }
    },
  );
}

function validatorOf(validatorsOf: (operationId: string) => OperationValidators | undefined, warmUp: () => Promise<void>): RequestValidator {
  return {
    warmUp,
    validate<K extends ServedOperationId>(operationId: K, request: RawRequest): ValidatedInput<K> {
      const validators = validatorsOf(operationId);
      if (!validators) throw new Error(`the spec has no operation ${operationId}`);
      const { parameters, errors } = validationInput(request);
      // The compiled validators coerce the parameters in place (a query's "20" becomes 20).
      for (const validate of validators) {
        if (!validate(parameters) && validate.errors) errors.push(...validate.errors);
      }
      if (errors.length > 0) throw Problem.validation(fieldErrorsFromAjv(errors, request.body));
      const input = { params: request.params, query: parameters.query, body: request.body };
      // The one place where data becomes typed: Ajv just checked it against the very schemas the
      // generated types were written from.
      return input as ValidatedInput<K>;
    },
  };
}

/**
 * What openapi-backend's `validateRequest` hands its compiled validators, built from what the
 * HTTP layer already parsed (the router's path parameters, the query, the JSON body) instead of
 * parsing the request again: its own parse (path template compiled per request, query and
 * cookies re-parsed, headers re-keyed with lodash) was half of the validation's time on the
 * accept path, measured with node --cpu-prof. The spec declares no cookie parameters, no
 * `explode: false` and no JSON-encoded query parameters, the parts of its parse this leaves out.
 */
function validationInput(request: RawRequest): { parameters: { path: object; query: Record<string, unknown>; header: object; cookie: object; requestBody?: unknown }; errors: ErrorObject[] } {
  const errors: ErrorObject[] = [];
  const parameters: { path: object; query: Record<string, unknown>; header: object; cookie: object; requestBody?: unknown } = {
    path: { ...request.params },
    query: { ...request.query },
    header: flattenHeaders(request.headers),
    cookie: {},
  };
  let body = request.body;
  if (typeof body !== 'object' && body !== undefined) {
    // As openapi-backend: a JSON body that is a bare string, number or boolean is read as JSON text.
    try {
      body = JSON.parse(String(body));
    } catch (error) {
      errors.push({ keyword: 'parse', instancePath: '', schemaPath: '#/requestBody', params: {}, message: (error as Error).message });
    }
  }
  const contentType = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (typeof body === 'object' || contentType === 'application/json') parameters.requestBody = body;
  return { parameters, errors };
}

/** openapi-backend reads one string per header; Node gives arrays only for headers that may repeat. */
function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
