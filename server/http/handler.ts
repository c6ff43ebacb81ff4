/** The shape of an operation's implementation: plain data in, plain data out, no Koa context. */
import type { IncomingHttpHeaders } from 'node:http';

export interface OperationRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  // Validated against the operation's schema before the handler runs.
  body: any;
}

export interface OperationResponse {
  status: number;
  body?: unknown;
  /** Defaults to application/json for object bodies. */
  contentType?: string;
  headers?: Record<string, string>;
}

export type OperationHandler = (request: OperationRequest) => Promise<OperationResponse>;
export type OperationHandlers = Record<string, OperationHandler>;
