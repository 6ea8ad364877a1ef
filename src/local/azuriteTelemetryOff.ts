import Module from 'node:module';
import { dirname } from 'node:path';

/**
 * Azurite's server modules load Application Insights as they load (`common/Telemetry.js`): about
 * 3,000 modules of OpenTelemetry exporters. Its telemetry runs only once Azurite's command line has
 * called `AzuriteTelemetryClient.init`, which the servers embedded here never do, so nothing is ever
 * sent; loading the modules alone was most of the local host's start-up CPU, at every start. So this
 * thread answers the module with an empty one before Azurite loads.
 */
export function skipAzuriteTelemetry(): void {
  const azurite = dirname(require.resolve('azurite/package.json'));
  const path = require.resolve('applicationinsights', { paths: [azurite] });
  if (require.cache[path]) return;
  const empty = new Module(path);
  empty.filename = path;
  empty.loaded = true;
  require.cache[path] = empty;
}
