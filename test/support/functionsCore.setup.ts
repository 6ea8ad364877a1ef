// Registrations made by src/functions/* are captured, as the local host captures them, instead of
// @azure/functions switching to its silent "test mode".
jest.mock('@azure/functions-core', () => require('../../src/local/functionsCore').functionsCoreApi, { virtual: true });
