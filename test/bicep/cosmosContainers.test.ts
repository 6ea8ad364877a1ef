/**
 * The Cosmos DB containers cosmos.bicep creates are the ones the adapters use, with the same partition
 * keys: the function identity's data-plane role cannot create or change a container, so a mismatch
 * would only show as a failing deployment.
 */
import { REQUESTS_PARTITION_KEY_PATH } from '../../src/infra/cosmosRequestStore';
import { WORKSPACES_CONTAINER, WORKSPACES_PARTITION_KEY_PATH } from '../../src/infra/cosmosWorkspaceRegistry';
import { readRepoFile, stringLiteral } from './bicepParser';
import { bicepModels, objectValue } from './bicepSemantics';

const COSMOS_MODULE = 'bicep/modules/cosmos.bicep';

describe('Cosmos DB containers in bicep match the adapters', () => {
  it('requests (by /workspaceId, named by AIRLOCK_COSMOS_CONTAINER) and workspaces (by /id)', async () => {
    const model = (await bicepModels()).get(COSMOS_MODULE)!;
    const containers = [...model.resources.values()]
      .filter((resource) => resource.type === 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers')
      .map((resource) => {
        const definition = objectValue(objectValue(resource.body, 'properties'), 'resource');
        const paths = objectValue(objectValue(definition, 'partitionKey'), 'paths');
        return { id: objectValue(definition, 'id')?.text, partitionKeyPaths: paths?.namedChildren.map((path) => stringLiteral(path)) };
      });
    expect(containers).toEqual([
      { id: 'requestsContainerName', partitionKeyPaths: [REQUESTS_PARTITION_KEY_PATH] },
      { id: `'${WORKSPACES_CONTAINER}'`, partitionKeyPaths: [WORKSPACES_PARTITION_KEY_PATH] },
    ]);
    // The app is told the names the module created, not a default that could drift.
    const main = readRepoFile('bicep/main.bicep');
    expect(main).toContain('cosmosDatabase: cosmos.outputs.databaseName');
    expect(main).toContain('cosmosContainer: cosmos.outputs.requestsContainerName');
  });
});
