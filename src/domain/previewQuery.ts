/**
 * The query of `GET .../preview`: which file (its exact name, which is data and never a path), how
 * (`view`), which page (`cursor`, `rows`) and, optionally, which submission cycle. Anything else, or
 * a parameter given twice, is refused with a 422 that names it.
 */
import { RequestValidationError } from './errors';
import { unaddressableBlobName } from './fileNames';
import { DEFAULT_TABLE_ROWS, MAX_TABLE_ROWS } from './preview';

export const PREVIEW_VIEWS = ['auto', 'raw'] as const;
export type PreviewView = (typeof PREVIEW_VIEWS)[number];

export interface PreviewQuery {
  file: string;
  view: PreviewView;
  /** byte offset where the page starts */
  cursor: number;
  /** rows per table page */
  rows: number;
  /** the submission cycle asked for; absent for the files of record now */
  cycle?: number;
}

const PARAMETERS = ['file', 'view', 'cursor', 'rows', 'cycle'] as const;
type Parameter = (typeof PARAMETERS)[number];

/** Azure's limit on a blob name; a longer one names no blob. */
const MAX_BLOB_NAME_LENGTH = 1024;

export function parsePreviewQuery(query: Iterable<[string, string]>): PreviewQuery {
  const given = new Map<Parameter, string>();
  for (const [key, value] of query) {
    if (!(PARAMETERS as readonly string[]).includes(key)) {
      throw new RequestValidationError(`query.${key.slice(0, 64)} is not a known parameter (known: ${PARAMETERS.join(', ')})`);
    }
    if (given.has(key as Parameter)) throw new RequestValidationError(`query.${key} is given more than once; give it once`);
    given.set(key as Parameter, value);
  }
  const view = given.get('view') ?? 'auto';
  if (!(PREVIEW_VIEWS as readonly string[]).includes(view)) throw new RequestValidationError(`query.view must be one of: ${PREVIEW_VIEWS.join(', ')}`);
  const cycle = given.get('cycle');
  return {
    file: fileOf(given.get('file')),
    view: view as PreviewView,
    cursor: wholeNumber('cursor', given.get('cursor'), { min: 0, fallback: 0, hint: 'a byte offset: 0, or a nextCursor from an earlier answer' }),
    rows: wholeNumber('rows', given.get('rows'), { min: 1, max: MAX_TABLE_ROWS, fallback: DEFAULT_TABLE_ROWS, hint: `rows per page, 1 to ${MAX_TABLE_ROWS}` }),
    ...(cycle === undefined ? {} : { cycle: wholeNumber('cycle', cycle, { min: 1, fallback: 1, hint: 'a submission cycle, from 1' }) }),
  };
}

function fileOf(name: string | undefined): string {
  if (name === undefined || name === '') throw new RequestValidationError('query.file is required: the exact name of one of the request\'s files');
  if (name.length > MAX_BLOB_NAME_LENGTH) throw new RequestValidationError(`query.file has ${name.length} characters; no file name is longer than ${MAX_BLOB_NAME_LENGTH}`);
  const problem = unaddressableBlobName(name);
  if (problem) throw new RequestValidationError(`query.file names no file of a request: ${problem}`);
  return name;
}

function wholeNumber(parameter: Parameter, text: string | undefined, range: { min: number; max?: number; fallback: number; hint: string }): number {
  if (text === undefined) return range.fallback;
  const value = /^(0|[1-9][0-9]*)$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < range.min || (range.max !== undefined && value > range.max)) {
    throw new RequestValidationError(`query.${parameter} must be a whole number (${range.hint}); got '${text.slice(0, 32)}'`);
  }
  return value;
}
