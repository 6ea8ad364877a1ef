/** Where the running local host says its request store is, for tools such as the audit verifier. */
export const LOCAL_STATE_STORE_FILE = 'state-store.json';
