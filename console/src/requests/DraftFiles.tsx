/**
 * The files of a request being drafted (or changed after a review): what is in its draft container
 * now, read through the request's link, each removable, and the upload panel to add more.
 */
import {
  Button,
  MessageBar,
  MessageBarBody,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useState } from 'react';
import { ApiError, usePolling } from '../api/client';
import { refreshPolicy } from '../api/refresh';
import { formatBytes } from '../review/format';
import type { LinkSource } from '../storage/linkCache';
import { deleteBlob, listBlobs, StorageError } from '../storage/storageCalls';
import type { ListedBlob } from '../storage/storageXml';
import { UploadPanel } from '../upload/UploadPanel';
import { isActive, useUploads } from '../upload/uploadManager';

const LISTING_REFRESH_MS = 5000;

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  name: { overflowWrap: 'anywhere' },
});

/** The API's answer while the files move (back) to the draft container: it passes by itself. */
function filesMoving(error: Error | undefined): boolean {
  return error instanceof ApiError && /being moved/i.test(error.detail);
}

function whyNoListing(error: Error): { intent: 'info' | 'error'; text: string } {
  if (filesMoving(error)) {
    return { intent: 'info', text: 'The files are on their way back to the draft container; they will show here in a moment.' };
  }
  if (error instanceof ApiError) return { intent: 'error', text: `The draft's files cannot be shown: ${error.detail}` };
  if (error instanceof StorageError) return { intent: 'error', text: `The draft container did not answer: ${error.message}` };
  return { intent: 'error', text: `The draft's files cannot be shown: ${error.message}` };
}

export function DraftFiles({ requestKey, link }: { requestKey: string; link: LinkSource }) {
  const styles = useStyles();
  const items = useUploads(requestKey);
  const [removing, setRemoving] = useState<string>();
  const [removeProblem, setRemoveProblem] = useState<string>();
  // Sooner while the files are on their way back: the requester waits on them to upload.
  const [refreshAfter] = useState(() => refreshPolicy(LISTING_REFRESH_MS));

  const listing = usePolling(
    async (signal) => {
      try {
        return await listBlobs(await link.get(), signal);
      } catch (error) {
        // A refused link may have expired: ask for a new one next time.
        if (error instanceof StorageError && error.status === 403) link.renew();
        throw error;
      }
    },
    (_, error) => refreshAfter(filesMoving(error) ? 'files moving to the draft' : undefined),
    [link],
  );
  const blobs: ListedBlob[] = listing.data ?? [];
  const busyNames = new Set(items.filter((item) => isActive(item.state)).map((item) => item.blobName));

  const remove = async (name: string) => {
    setRemoving(name);
    setRemoveProblem(undefined);
    try {
      await deleteBlob(await link.get(), name);
      listing.reload();
    } catch (error) {
      setRemoveProblem(`${name} was not removed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setRemoving(undefined);
    }
  };

  const problem = listing.error && whyNoListing(listing.error);
  return (
    <div className={styles.section}>
      {problem && (
        <MessageBar intent={problem.intent}>
          <MessageBarBody>{problem.text}</MessageBarBody>
        </MessageBar>
      )}
      {!listing.data && !listing.error && <Spinner size="small" label="Reading the draft container…" />}
      {listing.data && blobs.length === 0 && <Text>No files yet. Add the files this request should move.</Text>}
      {blobs.length > 0 && (
        <Table aria-label="Files in the draft" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell scope="col">Name</TableHeaderCell>
              <TableHeaderCell scope="col">Size</TableHeaderCell>
              <TableHeaderCell scope="col">Actions</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {blobs.map((blob) => (
              <TableRow key={blob.name}>
                <TableCell className={styles.name}>{blob.name}</TableCell>
                <TableCell>{formatBytes(blob.size)}</TableCell>
                <TableCell>
                  <Button
                    size="small"
                    onClick={() => void remove(blob.name)}
                    disabled={removing !== undefined || busyNames.has(blob.name)}
                    aria-label={`Remove ${blob.name}`}
                  >
                    {removing === blob.name ? 'Removing…' : 'Remove'}
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {removeProblem && (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>{removeProblem}</MessageBarBody>
        </MessageBar>
      )}
      {listing.data && (
        <UploadPanel requestKey={requestKey} link={link} namesInContainer={blobs.map((blob) => blob.name)} onUploaded={listing.reload} />
      )}
    </div>
  );
}
