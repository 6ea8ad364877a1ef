import { Badge, type BadgeProps } from '@fluentui/react-components';
import type { RequestStatus } from '../api/types';
import { statusInWords } from './lifecycleModel';

const COLOURS: Record<RequestStatus, NonNullable<BadgeProps['color']>> = {
  draft: 'informative',
  submitted: 'brand',
  in_review: 'brand',
  approval_in_progress: 'success',
  approved: 'success',
  rejection_in_progress: 'danger',
  rejected: 'danger',
  cancelled: 'subtle',
  blocking_in_progress: 'danger',
  blocked_by_scan: 'danger',
  failed: 'danger',
  revoked: 'warning',
  changes_requested: 'warning',
};

/** A request's status in words, coloured by how it stands; the words carry the meaning, the colour only repeats it. */
export function StatusBadge({ status }: { status: RequestStatus }) {
  return (
    <Badge appearance="tint" shape="rounded" color={COLOURS[status] ?? 'informative'}>
      {statusInWords(status)}
    </Badge>
  );
}
