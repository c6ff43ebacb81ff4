/**
 * The typed seam between the HTTP layer and the operations: every type here is derived from the
 * generated `operations` and `paths` (spec/generated/api.ts), so a handler that is missing, takes
 * the wrong parameters or answers a status or body the spec does not declare is a compile error.
 * Handlers get plain, validated data and answer plain data; they never see the Koa context.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { operations, paths } from '../../spec/generated/api.js';

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
type PathOperations = { [P in keyof paths]: { [M in Method]: paths[P][M] }[Method] }[keyof paths];

/**
 * The operation ids this server serves: those under `paths`. The operations of `webhooks` (what
 * the server sends to a receiver) are not served, so they need no handler.
 */
export type ServedOperationId = {
  [K in keyof operations]: operations[K] extends PathOperations ? K : never;
}[keyof operations];

type Parameters<K extends ServedOperationId> = operations[K]['parameters'];
/** A part of the parameters that the operation declares `never` (or leaves out) is an empty object. */
type Part<T> = [T] extends [never] ? Record<string, never> : [T] extends [undefined] ? Record<string, never> : NonNullable<T>;

type RequestBodyOf<K extends ServedOperationId> = [NonNullable<operations[K]['requestBody']>] extends [never]
  ? undefined
  : NonNullable<operations[K]['requestBody']> extends { content: { 'application/json': infer B } }
    ? undefined extends operations[K]['requestBody'] ? B | undefined : B
    : undefined;

/** What a handler gets: path parameters and query coerced and validated against the spec, the validated body. */
export interface OperationRequest<K extends ServedOperationId> {
  params: Part<Parameters<K>['path']>;
  query: Part<Parameters<K>['query']>;
  /** Header names are lower case (Node's parsing); declared header parameters were validated. */
  headers: IncomingHttpHeaders;
  body: RequestBodyOf<K>;
}

type Responses<K extends ServedOperationId> = operations[K]['responses'];

/**
 * One declared media type of one declared status. `contentType` may add parameters to the
 * declared media type (`text/plain; version=0.0.4`); it may be left out for `application/json`.
 */
type ResponseOf<S, C> = [C] extends [never] | [undefined]
  ? { status: S; body?: undefined; contentType?: undefined; headers?: Record<string, string> }
  : {
      [M in keyof C & string]: {
        status: S;
        body: C[M];
        headers?: Record<string, string>;
      } & (M extends 'application/json' ? { contentType?: M } : { contentType: M | `${M};${string}` });
    }[keyof C & string];

/** Every response the spec declares for the operation, by status and media type. */
export type OperationResponse<K extends ServedOperationId> = {
  [S in keyof Responses<K> & number]: ResponseOf<S, Responses<K>[S] extends { content?: infer C } ? C : never>;
}[keyof Responses<K> & number];

/** What the HTTP layer renders: any operation's response, seen from outside. */
export interface RenderedResponse {
  status: number;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export type OperationHandler<K extends ServedOperationId> = (request: OperationRequest<K>) => Promise<OperationResponse<K>>;

/** One handler for each served operation: leaving one out does not compile. */
export type OperationHandlers = { [K in ServedOperationId]: OperationHandler<K> };

/** Handlers for some of the operations (a group, such as the channel's), merged into {@link OperationHandlers}. */
export type HandlerGroup<K extends ServedOperationId> = { [P in K]: OperationHandler<P> };

/** Calls the handler of one operation; generic so that the request and answer stay tied to `id`. */
export function invokeHandler<K extends ServedOperationId>(
  handlers: OperationHandlers,
  id: K,
  request: OperationRequest<K>,
): Promise<OperationResponse<K>> {
  const handler: OperationHandler<K> = handlers[id];
  return handler(request);
}

/** Whether the spec's operation id has a handler (the router reads ids from the parsed document, as strings). */
export function isServedOperation(handlers: OperationHandlers, id: string): id is ServedOperationId {
  return Object.hasOwn(handlers, id);
}
