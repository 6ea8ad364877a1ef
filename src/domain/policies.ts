import { ValidationError } from './errors';

/** A workspace's limits on what a request may carry. */
export interface RequestPolicy {
  maxFiles: number;
}

/** Checked when a request is submitted, against what is in its draft container at that moment. */
export function checkSubmittable(files: readonly { name: string }[], policy: RequestPolicy): void {
  if (files.length === 0) throw new ValidationError('Request has no files: upload at least one file to the draft container before submitting');
  if (files.length > policy.maxFiles) {
    throw new ValidationError(
      `Request has ${files.length} files; this workspace allows at most ${policy.maxFiles} files per request`,
    );
  }
}
