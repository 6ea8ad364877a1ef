/**
 * Azure refuses blob names with control characters ("Some ASCII or Unicode characters, like control
 * characters (0x00 to 0x1F, \u0081, and so on), are also not allowed", Naming and Referencing
 * Containers, Blobs, and Metadata) with 400. Azurite 3.37 stores them, and then answers 500 to every
 * listing of that container, which would take the request's owner and the airlock down with it.
 * This guard, in front of embedded Azurite, refuses them as Azure does.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { answerStorageError } from './storageErrorResponse';

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export function guardBlobNames(server: Server): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (hasControlCharacters(req.url ?? '/')) {
      answerStorageError(res, 400, 'InvalidResourceName', 'The specified resource name contains invalid characters.');
      return;
    }
    for (const listener of listeners) listener(req, res);
  });
}

function hasControlCharacters(url: string): boolean {
  const path = url.split('?')[0];
  try {
    return CONTROL_CHARACTERS.test(decodeURIComponent(path));
  } catch {
    return false; // a malformed escape is Azurite's to refuse
  }
}
