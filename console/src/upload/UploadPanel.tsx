/**
 * Adding files to a draft: drop them on the zone or choose them (a button, so the keyboard reaches
 * it), then watch each file and the whole batch progress, cancel, or resume an interrupted file.
 */
import { Button, Caption1, ProgressBar, Subtitle2, Text, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { formatBytes } from '../review/format';
import { Announcer } from '../shell/Announcer';
import type { LinkSource } from '../storage/linkCache';
import { progressOf, progressText, totalProgress } from './progress';
import { isActive, uploads, useUploads, type UploadItem, type UploadState } from './uploadManager';

const STATE_WORDS: Record<UploadState, string> = {
  queued: 'Waiting to upload',
  checking: 'Checking what is already there',
  sending: 'Uploading',
  committing: 'Saving',
  done: 'Uploaded',
  interrupted: 'Interrupted',
  cancelled: 'Cancelled',
  refused: 'Not uploaded',
};

const useStyles = makeStyles({
  zone: {
    border: `${tokens.strokeWidthThick} dashed ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusLarge,
    padding: tokens.spacingVerticalL,
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: tokens.spacingHorizontalM,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  zoneActive: { border: `${tokens.strokeWidthThick} dashed ${tokens.colorBrandStroke1}`, backgroundColor: tokens.colorBrandBackground2 },
  list: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  row: {
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 1fr) auto',
    gap: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalM}`,
    padding: tokens.spacingVerticalS,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  name: { overflowWrap: 'anywhere', fontWeight: tokens.fontWeightSemibold },
  bar: { gridColumn: '1 / -1' },
  message: { gridColumn: '1 / -1' },
  problem: { color: tokens.colorPaletteRedForeground1 },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  total: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, margin: `${tokens.spacingVerticalM} 0` },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
});

function announcementOf(item: UploadItem): string | undefined {
  switch (item.state) {
    case 'done':
      return `${item.blobName} uploaded.`;
    case 'interrupted':
      return `${item.blobName}: ${item.message ?? 'interrupted'}`;
    case 'refused':
      return `${item.blobName}: ${item.message ?? 'not uploaded'}`;
    case 'cancelled':
      return `Upload of ${item.blobName} cancelled.`;
    default:
      return undefined;
  }
}

/** Says, politely, what finished or stopped since the last change; progress itself is read from the bars. */
function useAnnouncements(items: readonly UploadItem[]): string {
  const seen = useRef(new Map<number, UploadState>());
  const [text, setText] = useState('');
  useEffect(() => {
    const news: string[] = [];
    for (const item of items) {
      if (seen.current.get(item.id) !== item.state) {
        const words = announcementOf(item);
        if (words) news.push(words);
        seen.current.set(item.id, item.state);
      }
    }
    if (news.length > 0) setText(news.join(' '));
  }, [items]);
  return text;
}

export function UploadPanel({
  requestKey,
  link,
  namesInContainer,
  onUploaded,
}: {
  requestKey: string;
  link: LinkSource;
  namesInContainer: readonly string[];
  onUploaded(): void;
}) {
  const styles = useStyles();
  const items = useUploads(requestKey);
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const announcement = useAnnouncements(items);
  const headingId = useId();
  const totalId = useId();

  const add = (files: FileList | null) => {
    if (!files || files.length === 0) return;
    uploads.add(requestKey, { link, onUploaded }, Array.from(files), namesInContainer);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    add(event.dataTransfer.files);
  };
  const onDragOver = (event: DragEvent) => {
    if (!event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };

  const total = totalProgress(items.map((item) => ({ size: item.size, sent: item.sent, counts: item.state !== 'refused' && item.state !== 'cancelled' })));
  const counted = items.filter((item) => item.state !== 'refused' && item.state !== 'cancelled');
  const uploaded = counted.filter((item) => item.state === 'done').length;
  const finished = items.some((item) => item.state === 'done' || item.state === 'cancelled' || item.state === 'refused');

  return (
    <section className={styles.section} aria-labelledby={headingId}>
      <Subtitle2 as="h3" id={headingId}>
        Add files
      </Subtitle2>
      <div
        className={mergeClasses(styles.zone, dragging && styles.zoneActive)}
        onDragEnter={onDragOver}
        onDragOver={onDragOver}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <Text>Drop files here, or</Text>
        <Button appearance="primary" onClick={() => input.current?.click()}>
          Choose files…
        </Button>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          aria-label="Files to upload"
          onChange={(event) => {
            add(event.currentTarget.files);
            event.currentTarget.value = '';
          }}
        />
        <Caption1>Each file goes straight to the request's draft container; a file with the same name is replaced.</Caption1>
      </div>

      {counted.length > 0 && (
        <div className={styles.total}>
          <Text id={totalId}>
            All uploads: {uploaded} of {counted.length} {counted.length === 1 ? 'file' : 'files'} uploaded, {progressText(total)}
          </Text>
          <ProgressBar value={total.percent} max={100} aria-labelledby={totalId} aria-valuetext={progressText(total)} thickness="large" />
        </div>
      )}

      {items.length > 0 && (
        <ul className={styles.list} aria-label="Uploads">
          {items.map((item) => (
            <UploadRow key={item.id} item={item} />
          ))}
        </ul>
      )}
      {finished && (
        <div>
          <Button onClick={() => uploads.clearFinished(requestKey)}>Clear finished uploads</Button>
        </div>
      )}
      <Announcer text={announcement} />
    </section>
  );
}

function UploadRow({ item }: { item: UploadItem }) {
  const styles = useStyles();
  const progress = progressOf(item.sent, item.size);
  const showsBar = item.state !== 'refused' && item.state !== 'cancelled';
  return (
    <li className={styles.row}>
      <div>
        <div className={styles.name}>{item.blobName}</div>
        <Caption1>
          {formatBytes(item.size)} · {STATE_WORDS[item.state]}
          {isActive(item.state) || item.state === 'interrupted' ? `: ${progressText(progress)}` : ''}
          {item.replaces && item.state !== 'refused' ? ' · replaces the file of this name' : ''}
        </Caption1>
      </div>
      <div className={styles.actions}>
        {item.state === 'interrupted' && (
          <Button appearance="primary" size="small" onClick={() => uploads.resume(item.id)} aria-label={`Resume upload of ${item.blobName}`}>
            Resume
          </Button>
        )}
        {(item.state === 'queued' || item.state === 'checking' || item.state === 'sending' || item.state === 'interrupted') && (
          <Button size="small" onClick={() => uploads.cancel(item.id)} aria-label={`Cancel upload of ${item.blobName}`}>
            Cancel
          </Button>
        )}
      </div>
      {showsBar && (
        <ProgressBar
          className={styles.bar}
          value={item.state === 'done' ? 100 : progress.percent}
          max={100}
          color={item.state === 'interrupted' ? 'error' : item.state === 'done' ? 'success' : 'brand'}
          aria-label={`Upload of ${item.blobName}`}
          aria-valuetext={`${STATE_WORDS[item.state]}: ${progressText(progress)}`}
        />
      )}
      {item.message && (
        <Text className={mergeClasses(styles.message, (item.state === 'refused' || item.state === 'interrupted') && styles.problem)}>
          {item.message}
        </Text>
      )}
    </li>
  );
}
