/**
 * The LokiJS that Azurite keeps its metadata in: Azurite's own dependency, not ours, so it is loaded
 * from Azurite's place. Each test types the database as far as it uses it.
 */
import { createRequire } from 'node:module';

export function azuriteLoki<Database>(): new (file: string, options: object) => Database {
  return createRequire(require.resolve('azurite/package.json'))('lokijs');
}
