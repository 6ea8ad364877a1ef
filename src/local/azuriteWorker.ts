/**
 * The worker thread's side of azuriteThread.ts: starts embedded Azurite (with its durable metadata
 * saves and its request guards, azurite.ts) on this thread's own event loop, says where it answers,
 * and closes it when asked. A failure to start, or anything Azurite throws later, ends this thread
 * with that error, which the starting thread receives as the worker's 'error' event.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AzuriteOptions, startAzurite } from './azurite';
import type { AzuriteThreadMessage } from './azuriteThread';

async function serve(port: NonNullable<typeof parentPort>): Promise<void> {
  const running = await startAzurite(workerData as AzuriteOptions);
  port.once('message', () => {
    // The only message is "close": the servers stop and every pending save is on disk before the answer.
    running.close().then(() => port.postMessage({ type: 'closed' } satisfies AzuriteThreadMessage));
  });
  const { blobOrigin, tableOrigin, portsMoved } = running;
  port.postMessage({ type: 'started', addresses: { blobOrigin, tableOrigin, portsMoved } } satisfies AzuriteThreadMessage);
}

if (!parentPort) throw new Error('azuriteWorker runs only as a worker thread (see azuriteThread.ts)');
serve(parentPort).catch((error: unknown) => {
  // Rethrown outside the promise, so the thread ends with this error, not an unhandled rejection.
  setImmediate(() => {
    throw error;
  });
});
