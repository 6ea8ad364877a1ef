import { Field, Select } from '@fluentui/react-components';
import { REQUEST_STATUSES, type RequestStatus, type RequestType } from '../api/types';
import { statusInWords } from '../lifecycle/lifecycleModel';
import { TYPE_WORDS } from '../requests/requestWords';

/** The status filter of a list of requests: any status, or one. */
export function StatusFilter({ value, onChange, className }: { value: RequestStatus | ''; onChange(value: RequestStatus | ''): void; className?: string }) {
  return (
    <Field label="Status" className={className}>
      <Select value={value} onChange={(_, choice) => onChange(choice.value as RequestStatus | '')}>
        <option value="">Any status</option>
        {REQUEST_STATUSES.map((status) => (
          <option key={status} value={status}>
            {statusInWords(status)}
          </option>
        ))}
      </Select>
    </Field>
  );
}

/** The type filter of a list of requests: both, imports or exports. */
export function TypeFilter({ value, onChange, className }: { value: RequestType | ''; onChange(value: RequestType | ''): void; className?: string }) {
  return (
    <Field label="Type" className={className}>
      <Select value={value} onChange={(_, choice) => onChange(choice.value as RequestType | '')}>
        <option value="">Imports and exports</option>
        <option value="import">{TYPE_WORDS.import}</option>
        <option value="export">{TYPE_WORDS.export}</option>
      </Select>
    </Field>
  );
}
