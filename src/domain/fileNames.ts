import { ValidationError } from './errors';

/**
 * Which names a request's files may have. A name is data: it reaches reviewers' screens, other
 * people's disks and the storage service's URLs, so everything that could make it mean something
 * else there is refused at submit, with the reason, rather than interpreted.
 */

/** Longest file name (in characters) a request may carry; Azure allows 1,024, most file systems 255. */
export const MAX_FILE_NAME_LENGTH = 255;

// C0 and C1 control characters and DEL: invisible, and some break XML listings.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
/** Zero-width and direction-changing characters make a name look like another ("report\u202Etxt.exe"). */
const DECEPTIVE_CHARACTERS = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

/**
 * Why a blob with this name cannot be addressed exactly through a URL, if it cannot: URL resolution
 * (in the storage SDK, in browsers, in the service) turns `.` and `..` folders, even percent-encoded,
 * into another blob's name, and the service drops trailing dots and treats `\\` as `/`.
 */
export function unaddressableBlobName(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (CONTROL_CHARACTERS.test(name)) return 'the name contains control characters';
  if (name.includes('\\')) return "the name contains '\\'; use '/' between folders";
  if (name.endsWith('/')) return "the name ends with '/' (a folder marker, not a file)";
  const segments = name.split('/');
  if (segments.some((segment) => segment === '')) return "the name has an empty folder ('//' or a leading '/')";
  if (segments.some((segment) => segment === '.' || segment === '..')) return "the name has a '.' or '..' folder";
  if (segments.some((segment) => segment.endsWith('.'))) return "a part of the name ends with '.', which Azure Storage drops";
  return undefined;
}

/** What is wrong with one name, in words for the person who uploaded it; undefined when it is acceptable. */
export function fileNameProblem(name: string): string | undefined {
  const unaddressable = unaddressableBlobName(name);
  if (unaddressable) return unaddressable;
  if (name.length > MAX_FILE_NAME_LENGTH) return `the name has ${name.length} characters; at most ${MAX_FILE_NAME_LENGTH} are allowed`;
  if (DECEPTIVE_CHARACTERS.test(name)) return 'the name contains invisible or direction-changing characters';
  if (name.normalize('NFC') !== name) return 'the name is not in Unicode NFC form (accented letters written as two characters); rename the file';
  return undefined;
}

/** The key under which two names are the same file once copied to a person's disk. */
function sameFileKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** Every problem with a request's file names: each bad name, and names that would be one file on a reviewer's disk. */
export function fileNameProblems(names: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const problem = fileNameProblem(name);
    if (problem) problems.push(`${JSON.stringify(name)}: ${problem}`);
    const key = sameFileKey(name);
    const earlier = seen.get(key);
    if (earlier !== undefined) problems.push(`${JSON.stringify(name)} and ${JSON.stringify(earlier)} differ only in letter case or Unicode form`);
    else seen.set(key, name);
  }
  return problems;
}

/** Refuses a submission whose file names are not all acceptable, naming each file and what to change. */
export function checkFileNames(names: readonly string[]): void {
  const problems = fileNameProblems(names);
  if (problems.length === 0) return;
  const shown = problems.slice(0, 20).join('; ');
  const more = problems.length > 20 ? `; and ${problems.length - 20} more` : '';
  throw new ValidationError(`Some file names are not accepted; rename or delete these files in the draft container: ${shown}${more}`);
}
