/**
 * The body of Put Block List: every block of the file, in order, from the blocks uploaded but not yet
 * committed (`Latest`), which is what makes the blob appear, whole, in one step.
 */
export function blockListBody(ids: readonly string[]): string {
  // Base64 ids hold only A-Z, a-z, 0-9, '+', '/' and '=': nothing that needs escaping in XML.
  for (const id of ids) if (!/^[A-Za-z0-9+/]+={0,2}$/.test(id)) throw new Error(`not a Base64 block id: ${id}`);
  return `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids.map((id) => `<Latest>${id}</Latest>`).join('')}</BlockList>`;
}
