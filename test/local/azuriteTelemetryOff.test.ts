/**
 * The embedded Azurite never loads its usage telemetry (Application Insights and the OpenTelemetry
 * exporters behind it), in a plain Node process as `npm start` runs it; it still serves storage.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const AZURITE = resolve(__dirname, '../../dist/src/local/azurite.js');

test('Azurite starts and answers without loading a telemetry module', async () => {
  const script = `
    const { startAzurite } = require(${JSON.stringify(AZURITE)});
    (async () => {
      const azurite = await startAzurite({ accounts: { devacct: Buffer.alloc(32, 7).toString('base64') } });
      const answer = await fetch(azurite.blobOrigin + '/devacct?comp=list');
      const loaded = Object.keys(require.cache);
      const telemetry = loaded.filter((path) => /node_modules\\/(@opentelemetry|@azure\\/monitor-opentelemetry|applicationinsights\\/out\\/src\\/(?!index))/.test(path));
      const insights = loaded.filter((path) => /node_modules\\/applicationinsights\\//.test(path)).map((path) => require.cache[path].exports);
      await azurite.close();
      console.log(JSON.stringify({ status: answer.status, telemetry, insights }));
    })().catch((error) => { console.error(error); process.exit(1); });`;
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: resolve(__dirname, '../..') });
  const result = JSON.parse(stdout.trim().split('\n').pop()!);
  // Unauthenticated, so refused, but by Azurite: it is up and serving.
  expect(result.status).toBe(403);
  expect(result.telemetry).toEqual([]);
  expect(result.insights).toEqual([{}]);
});
