/**
 * Embedded Azurite on a worker thread of its own (azuriteWorker.ts), so that its request handling,
 * its LokiJS work and its metadata saves run beside the app's event loop, on the second core, instead
 * of taking turns with the app on one. The caller gets the same `RunningAzurite` as from
 * `startAzurite`; only `close` crosses to the thread.
 *
 * A worker thread and not a child process, because it dies with the host's process. When the host is
 * killed (`kill -9`, the OOM killer), Azurite goes at the same instant: it cannot go on answering SAS
 * links nobody audits, hold the ports the next start asks for ("Storage keeps its ports"), or write
 * the metadata files while the next start reads them. A child process would outlive a SIGKILLed
 * parent until it noticed. What a child would add, a heap and an RSS of its own, the host does not
 * need: a worker has its own heap and event loop, and the process's RSS counts both as one host.
 *
 * Nothing about durability changes: the worker answers an HTTP request only once its metadata is on
 * disk (durableLoki.ts), whichever thread answers.
 */
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AzuriteAddresses, AzuriteOptions, describeRunningAzurite, RunningAzurite } from './azurite';

/** What the worker says to the thread that started it. */
export type AzuriteThreadMessage = { type: 'started'; addresses: AzuriteAddresses } | { type: 'closed' };

export interface AzuriteThreadOptions extends AzuriteOptions {
  /**
   * Azurite's thread ended by itself after it started (Azurite threw): storage is gone. By default the
   * error is thrown on the caller's thread, as it would have been with Azurite on that thread.
   */
  onFailure?: (error: Error) => void;
}

export function startAzuriteThread(options: AzuriteThreadOptions): Promise<RunningAzurite> {
  const { onFailure = throwOnThisThread, ...azuriteOptions } = options;
  const worker = startWorker(azuriteOptions);
  let phase: 'starting' | 'running' | 'closing' | 'ended' = 'starting';
  let closed: Promise<void> | undefined;

  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve, reject) => {
      if (phase === 'ended') return resolve();
      phase = 'closing';
      worker.on('message', (message: AzuriteThreadMessage) => {
        if (message.type === 'closed') worker.terminate().then(() => resolve(), reject);
      });
      worker.once('error', reject);
      worker.once('exit', () => resolve());
      worker.postMessage('close');
    });
    return closed;
  };

  return new Promise((resolve, reject) => {
    worker.once('message', (message: AzuriteThreadMessage) => {
      if (message.type !== 'started') return;
      phase = 'running';
      resolve(describeRunningAzurite(azuriteOptions.accounts, message.addresses, close));
    });
    worker.once('error', (error) => {
      if (phase === 'starting') reject(error);
      else if (phase === 'running') onFailure(error);
      phase = 'ended';
    });
    worker.once('exit', (code) => {
      if (phase === 'starting') reject(new Error(`Azurite's thread ended (exit code ${code}) before it started`));
      else if (phase === 'running') onFailure(new Error(`Azurite's thread ended (exit code ${code}) while it was serving`));
      phase = 'ended';
    });
  });
}

function startWorker(workerData: AzuriteOptions): Worker {
  const language = extname(__filename);
  const entry = join(__dirname, `azuriteWorker${language}`);
  if (language !== '.ts') return new Worker(entry, { workerData });
  // Running from the sources (jest, esbuild-register): the thread must compile TypeScript as well.
  const register = require.resolve('esbuild-register/dist/node');
  const source = `if (!require.extensions['.ts']) require(${JSON.stringify(register)}).register(); require(${JSON.stringify(entry)});`;
  return new Worker(source, { eval: true, workerData });
}

function throwOnThisThread(error: Error): void {
  process.nextTick(() => {
    throw error;
  });
}
