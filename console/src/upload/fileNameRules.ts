/**
 * The airlock's rules for file names, applied in the browser before a byte is sent, so a researcher
 * learns at once that a name will be refused instead of at submit. The airlock itself decides at
 * submit (src/domain/fileNames.ts); these are the same rules written again for the console, which
 * speaks only the public API and does not import the server's code. Keep the two in step.
 */

/** Longest accepted name, in characters. */
export const MAX_NAME_LENGTH = 255;

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Characters that make one name look like another: zero-width, joiners, bidirectional overrides.
const INVISIBLE_OR_DIRECTIONAL = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

/** The blob name for a file the person picked: its name in NFC, the one form the airlock accepts. */
export function blobNameOf(fileName: string): string {
  return fileName.normalize('NFC');
}

/** Why the airlock would refuse this blob name, in words for the uploader; undefined when it is accepted. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'the name is empty';
  if (CONTROL.test(name)) return 'the name contains control characters';
  if (name.includes('\\')) return "the name contains '\\'; use '/' between folders";
  if (name.endsWith('/')) return "the name ends with '/'";
  const parts = name.split('/');
  if (parts.includes('')) return "the name has an empty folder ('//' or a leading '/')";
  if (parts.some((part) => part === '.' || part === '..')) return "the name has a '.' or '..' folder";
  if (parts.some((part) => part.endsWith('.'))) return "a part of the name ends with '.', which Azure Storage drops";
  if (name.length > MAX_NAME_LENGTH) return `the name has ${name.length} characters; at most ${MAX_NAME_LENGTH} are allowed`;
  if (INVISIBLE_OR_DIRECTIONAL.test(name)) return 'the name contains invisible or direction-changing characters';
  if (name !== name.normalize('NFC')) return 'the name is not in Unicode NFC form; rename the file';
  return undefined;
}

/** Two names that would be one file on a Windows or macOS disk. */
function diskKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/**
 * Why adding `name` next to `others` would be refused: another file whose name differs only in letter
 * case or Unicode form. The very same name is no clash: uploading it replaces that file.
 */
export function clashWith(name: string, others: Iterable<string>): string | undefined {
  for (const other of others) {
    if (other !== name && diskKey(other) === diskKey(name)) return `"${name}" and "${other}" differ only in letter case or Unicode form`;
  }
  return undefined;
}
