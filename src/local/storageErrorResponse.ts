import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** An error answered the way Azure Storage answers it: XML body, `x-ms-error-code`, a request id. */
export function answerStorageError(res: ServerResponse, status: number, code: string, message: string): void {
  const requestId = randomUUID();
  const body =
    `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code>` +
    `<Message>${message}\nRequestId:${requestId}\nTime:${new Date().toISOString()}</Message></Error>`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'x-ms-error-code': code,
    'x-ms-request-id': requestId,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
