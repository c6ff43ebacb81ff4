/**
 * Validates a routed request against its operation with openapi-backend (Ajv 2020-12 with
 * formats), and turns failures into a 400 problem that names each failing field.
 */
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { OpenAPIBackend } from 'openapi-backend';
import { Problem } from '../problem.js';
import type { SpecDocument } from '../spec-document.js';
import { fieldErrorsFromAjv } from './validation-errors.js';

const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

/**
 * openapi-backend checks the document with the OpenAPI 3.0 meta-schema and rejects 3.1
 * (openapistack/openapi-backend#532); Redocly lints the document instead.
 */
class OpenApi31Backend extends OpenAPIBackend {
  override validateDefinition() {
    return this.document;
  }
}

export interface ValidatedRequest {
  query: Record<string, unknown>;
}

export interface RequestValidator {
  validate(operationId: string, request: { method: string; path: string; headers: Record<string, string | string[] | undefined>; query: Record<string, unknown>; body: unknown }): ValidatedRequest;
}

export async function createRequestValidator(spec: SpecDocument): Promise<RequestValidator> {
  const api = new OpenApi31Backend({
    definition: structuredClone(spec.document),
    strict: true,
    validate: true,
    customizeAjv: (_ajv, options) => {
      const ajv = new Ajv2020({ ...options, strict: false, allErrors: true });
      addFormats(ajv);
      return ajv as any;
    },
  });
  await api.init();
  // Looked up once: given an id, openapi-backend rebuilds its whole operation list on every call.
  const operations = new Map(api.getOperations().map((operation) => [operation.operationId!, operation]));

  return {
    validate(operationId, request) {
      const operation = operations.get(operationId);
      if (!operation) throw new Error(`the spec has no operation ${operationId}`);
      const result = api.validateRequest(
        { method: request.method, path: request.path, headers: request.headers as Record<string, string>, query: request.query as any, body: request.body },
        operation,
      );
      if (!result.valid) {
        throw Problem.validation(fieldErrorsFromAjv(result.errors ?? [], request.body));
      }
      return { query: (result.coerced?.query ?? request.query) as Record<string, unknown> };
    },
  };
}
