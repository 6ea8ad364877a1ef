/**
 * The security baseline of every resource the templates create, read from the syntax tree: storage
 * without shared keys, public blobs or old TLS; topics and Cosmos DB without local auth; Defender on
 * exactly the in-progress accounts with no Event Grid system topic of ours; internal stage accounts
 * behind their firewall; every event subscription dead-lettering.
 */
import type Parser from 'web-tree-sitter';
import { readRepoFile } from './bicepParser';
import { BicepFileModel, bicepModels, objectValue } from './bicepSemantics';

let models: BicepFileModel[] = [];

beforeAll(async () => {
  models = [...(await bicepModels()).values()];
});

/** Created (not `existing`) resources of one type, with where they are. */
function created(type: string): { where: string; body: Parser.SyntaxNode | undefined }[] {
  return models.flatMap((model) =>
    [...model.resources.values()].filter((r) => r.type === type && !r.existing).map((r) => ({ where: `${model.file}:${r.line}`, body: r.body })),
  );
}

/** The text of the value at a dotted path in a resource body (`properties.minimumTlsVersion`). */
function valueAt(body: Parser.SyntaxNode | undefined, path: string): string | undefined {
  let node: Parser.SyntaxNode | undefined = body;
  for (const key of path.split('.')) node = objectValue(node, key);
  return node?.text;
}

function settings(type: string, paths: string[]): Record<string, Record<string, string | undefined>> {
  return Object.fromEntries(created(type).map(({ where, body }) => [where, Object.fromEntries(paths.map((path) => [path, valueAt(body, path)]))]));
}

describe('bicep security baseline', () => {
  it('finds the resources it checks (the reading itself works)', () => {
    expect(created('Microsoft.Storage/storageAccounts').length).toBe(3); // stage, host, dead letters
    expect(created('Microsoft.EventGrid/topics').length).toBe(1);
    expect(created('Microsoft.DocumentDB/databaseAccounts').length).toBe(1);
  });

  it('every storage account: Entra ID only, no anonymous blobs, no cross-tenant replication, HTTPS and TLS 1.2', () => {
    const paths = [
      'properties.allowSharedKeyAccess',
      'properties.allowBlobPublicAccess',
      'properties.allowCrossTenantReplication',
      'properties.supportsHttpsTrafficOnly',
      'properties.minimumTlsVersion',
      'properties.defaultToOAuthAuthentication',
    ];
    for (const [where, values] of Object.entries(settings('Microsoft.Storage/storageAccounts', paths))) {
      expect([where, values]).toEqual([
        where,
        {
          'properties.allowSharedKeyAccess': 'false',
          'properties.allowBlobPublicAccess': 'false',
          'properties.allowCrossTenantReplication': 'false',
          'properties.supportsHttpsTrafficOnly': 'true',
          'properties.minimumTlsVersion': "'TLS1_2'",
          'properties.defaultToOAuthAuthentication': 'true',
        },
      ]);
    }
  });

  it('the app\'s own storage is reachable only through its private endpoints', () => {
    const host = created('Microsoft.Storage/storageAccounts').filter(({ where }) => where.startsWith('bicep/modules/functionApp.bicep'));
    expect(host.map(({ body }) => [valueAt(body, 'properties.publicNetworkAccess'), valueAt(body, 'properties.networkAcls.defaultAction'), valueAt(body, 'properties.networkAcls.bypass')])).toEqual([
      ["'Disabled'", "'Deny'", "'None'"],
    ]);
    const functionApp = readRepoFile('bicep/modules/functionApp.bicep');
    for (const groupId of ['blob', 'queue', 'table']) expect(functionApp).toContain(`groupId: '${groupId}'`);
  });

  it('internal stage accounts deny every network but the app subnet, the private endpoint and the scanner', () => {
    const stage = readRepoFile('bicep/modules/stageStorageAccount.bicep');
    expect(stage).toContain('networkAcls: external ? externalNetworkAcls : internalNetworkAcls');
    expect(stage).toMatch(/var internalNetworkAcls = \{\n  defaultAction: 'Deny'\n  bypass: 'AzureServices'\n  virtualNetworkRules: \[\n    \{\n      id: functionAppSubnetId/);
    expect(stage).toContain("module blobPrivateEndpoint 'privateEndpoint.bicep' = if (!external)");
    expect(stage).toContain('/providers/Microsoft.Security/datascanners/StorageDataScanner');
  });

  it('Defender scans exactly the two in-progress accounts, and no template creates an Event Grid system topic', () => {
    expect(readRepoFile('bicep/main.bicep')).toContain("malwareScanned: scanner == 'defender' && account.role == 'stalimip'");
    expect(readRepoFile('bicep/workspace.bicep')).toContain("malwareScanned: enableDefender && role == 'stalexip'");
    expect(created('Microsoft.Security/defenderForStorageSettings').map(({ body }) => valueAt(body, 'properties.malwareScanning.onUpload.isEnabled'))).toEqual(['true']);
    expect(created('Microsoft.EventGrid/systemTopics')).toEqual([]);
  });

  it('topics and Cosmos DB accept Entra ID only', () => {
    expect(Object.values(settings('Microsoft.EventGrid/topics', ['properties.disableLocalAuth']))).toEqual([{ 'properties.disableLocalAuth': 'true' }]);
    expect(Object.values(settings('Microsoft.DocumentDB/databaseAccounts', ['properties.disableLocalAuth', 'properties.publicNetworkAccess']))).toEqual([
      { 'properties.disableLocalAuth': 'true', 'properties.publicNetworkAccess': "'Disabled'" },
    ]);
  });

  it('every event subscription dead-letters what it cannot deliver', () => {
    const subscriptions = created('Microsoft.EventGrid/topics/eventSubscriptions');
    expect(subscriptions.length).toBe(1);
    for (const { body } of subscriptions) {
      expect(valueAt(body, 'properties.deadLetterWithResourceIdentity.deadLetterDestination.endpointType')).toBe("'StorageBlob'");
      expect(valueAt(body, 'properties.deadLetterWithResourceIdentity.identity.type')).toBe("'SystemAssigned'");
    }
  });

  it('the Function App lets browsers call it only from the origins the deployment names, without credentials', () => {
    const apps = settings('Microsoft.Web/sites', ['properties.siteConfig.cors.allowedOrigins', 'properties.siteConfig.cors.supportCredentials']);
    expect(Object.values(apps)).toEqual([{ 'properties.siteConfig.cors.allowedOrigins': 'corsAllowedOrigins', 'properties.siteConfig.cors.supportCredentials': 'false' }]);
    expect(readRepoFile('bicep/modules/functionApp.bicep')).toMatch(/^param corsAllowedOrigins array = \[\]$/m);
    expect(readRepoFile('bicep/main.bicep')).toMatch(/^param corsAllowedOrigins array = \[\]$/m);
  });
});
