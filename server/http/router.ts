/**
 * Routes a request to its operation in one lookup, whatever the number of operations: a radix
 * tree (find-my-way) built once from the spec's paths. openapi-backend's own router rebuilds its
 * operation list and regexes on every request.
 */
import FindMyWay from 'find-my-way';
import type { SpecDocument } from '../spec-document.js';

export interface RouteOperation {
  operationId: string;
  method: string;
  path: string;
  hasBody: boolean;
  /** Security requirement names of the operation (empty: public). */
  security: string[];
  /** Query parameters that carry credentials (apiKey schemes `in: query`): not part of the operation's parameters. */
  credentialQueryParams: string[];
}

export type RouteMatch =
  | { kind: 'operation'; operation: RouteOperation; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const MAX_PARAM_LENGTH = 1024;

export function buildRouter(spec: SpecDocument): { match(method: string, path: string): RouteMatch; operations: RouteOperation[] } {
  // find-my-way treats a parameter longer than 100 characters as no match (a 404): user ids go up
  // to 128, and more when percent-encoded, so the validator, not the router, judges their length.
  const router = FindMyWay({ ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: MAX_PARAM_LENGTH });
  const operations: RouteOperation[] = [];
  const globalSecurity: Array<Record<string, unknown>> = spec.document.security ?? [];
  const schemes: Record<string, { type: string; in?: string; name?: string }> = spec.document.components?.securitySchemes ?? {};

  for (const [path, item] of Object.entries<any>(spec.document.paths ?? {})) {
    // `{botId}` in OpenAPI is `:botId` in find-my-way; a literal `.` or `:` needs no escaping here.
    const pattern = path.replace(/\{([^}]+)\}/g, ':$1');
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const security: Array<Record<string, unknown>> = op.security ?? globalSecurity;
      const operation: RouteOperation = {
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        hasBody: Boolean(op.requestBody),
        security: security.flatMap((requirement) => Object.keys(requirement)),
        credentialQueryParams: security
          .flatMap((requirement) => Object.keys(requirement))
          .map((name) => schemes[name])
          .flatMap((scheme) => (scheme?.type === 'apiKey' && scheme.in === 'query' && scheme.name !== undefined ? [scheme.name] : [])),
      };
      operations.push(operation);
      router.on(operation.method as 'GET', pattern, () => undefined, { operation });
    }
  }

  return {
    operations,
    match(method, path) {
      const found = router.find(method as 'GET', path);
      if (found) {
        const operation = (found.store as { operation: RouteOperation }).operation;
        return { kind: 'operation', operation, params: found.params as Record<string, string> };
      }
      // Only on the error path: which other methods does this path have?
      const allowed = METHODS.map((m) => m.toUpperCase()).filter((m) => router.find(m as 'GET', path));
      if (allowed.length > 0) return { kind: 'method-not-allowed', allowed };
      return { kind: 'not-found' };
    },
  };
}
