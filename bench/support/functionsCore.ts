/**
 * Imported first by the suite: the app's function registrations (the content-check activity the
 * suite calls directly) load @azure/functions, which must find the local host's stand-in for the
 * worker's core module, as in the local host and under jest.
 */
import { installFunctionsCore } from '../../src/local/functionsCore';

installFunctionsCore();
