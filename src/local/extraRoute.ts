import type { IncomingMessage } from 'node:http';

export interface ExtraRouteResult {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** A host-level endpoint that is not an Azure function (the local token issuer, for instance). */
export interface ExtraRoute {
  method: string;
  /** Exact pathname, e.g. `/local-issuer/jwks`. */
  path: string;
  handle(req: IncomingMessage, body: Buffer): Promise<ExtraRouteResult>;
}
