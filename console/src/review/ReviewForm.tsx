import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
  Field,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Textarea,
  tokens,
} from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import { useApi } from '../api/client';
import type { AirlockRequest, RequestWithActions } from '../api/types';
import { ProblemBar } from './ProblemBar';
import { DECISION_LABELS, DECISIONS, MAX_EXPLANATION_LENGTH, reviewBody, revokeBody, type BodyOrProblem, type Decision } from './reviewDecision';
import { requestApiPath } from './reviewQueueModel';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '640px' },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS },
});

/**
 * Approve, reject or request changes, with an explanation; sent to `POST .../review`. The API has
 * the last word: its refusal (a requester reviewing their own request, a second review by the same
 * manager) is shown as it says it.
 */
export function ReviewForm({ request, hint, onReviewed }: { request: AirlockRequest; hint?: string; onReviewed(answer: RequestWithActions): void }) {
  const styles = useStyles();
  const [decision, setDecision] = useState<Decision | undefined>();
  const [explanation, setExplanation] = useState('');
  const { problem, refusal, sending, send } = useDecisionSender(request, 'review');
  const explanationRequired = decision === 'rejected' || decision === 'changes_requested';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await send(reviewBody(decision, explanation), (answer) => {
      setExplanation('');
      setDecision(undefined);
      onReviewed(answer);
    });
  };

  return (
    <form className={styles.form} onSubmit={(event) => void submit(event)} aria-label="Review" noValidate>
      {hint && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>{hint}</MessageBarBody>
        </MessageBar>
      )}
      <Field label="Decision" required validationMessage={problem && !decision ? problem : undefined}>
        <RadioGroup value={decision ?? ''} onChange={(_, data) => setDecision(data.value as Decision)} layout="horizontal">
          {DECISIONS.map((value) => (
            <Radio key={value} value={value} label={DECISION_LABELS[value]} />
          ))}
        </RadioGroup>
      </Field>
      <Field
        label={explanationRequired ? 'Explanation (the requester reads it)' : 'Explanation (optional for an approval)'}
        required={explanationRequired}
        validationMessage={problem && decision ? problem : undefined}
        hint={`At most ${MAX_EXPLANATION_LENGTH} characters.`}
      >
        <Textarea value={explanation} onChange={(_, data) => setExplanation(data.value)} resize="vertical" rows={4} />
      </Field>
      <div className={styles.actions}>
        <Button type="submit" appearance="primary" disabled={sending}>
          {sending ? 'Submitting…' : 'Submit review'}
        </Button>
      </div>
      {refusal !== undefined && <ProblemBar error={refusal} title="The airlock did not take the review" />}
    </form>
  );
}

/**
 * Revoke an approved request, after a confirmation that says what it does; the reason is required
 * (`POST .../revoke {reason}`).
 */
export function RevokeAction({ request, onRevoked }: { request: AirlockRequest; onRevoked(answer: RequestWithActions): void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const { problem, refusal, sending, send } = useDecisionSender(request, 'revoke');

  const revoke = async () => {
    await send(revokeBody(reason), (answer) => {
      setOpen(false);
      setReason('');
      // 200 or 202 (the files still leaving the approved stage after a minute): revoked either way.
      onRevoked(answer);
    });
  };

  return (
    <Dialog open={open} onOpenChange={(_, data) => setOpen(data.open)} modalType="alert">
      <DialogTrigger disableButtonEnhancement>
        <Button appearance="secondary">Revoke approval…</Button>
      </DialogTrigger>
      <DialogSurface>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void revoke();
          }}
          noValidate
        >
          <DialogBody>
            <DialogTitle>Revoke the approval of “{request.title}”?</DialogTitle>
            <DialogContent>
              <p>The approved files leave the approved stage and every link to them stops working. This cannot be undone.</p>
              <Field label="Reason (the requester and the audit log keep it)" required validationMessage={problem}>
                <Textarea value={reason} onChange={(_, data) => setReason(data.value)} rows={3} resize="vertical" />
              </Field>
              {refusal !== undefined && <ProblemBar error={refusal} title="The airlock did not revoke the approval" />}
            </DialogContent>
            <DialogActions>
              <DialogTrigger disableButtonEnhancement>
                <Button appearance="secondary">Keep the approval</Button>
              </DialogTrigger>
              <Button type="submit" appearance="primary" disabled={sending}>
                {sending ? 'Revoking…' : 'Revoke'}
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}

/**
 * Sends one decision about a request (a review or a revoke) once its body is valid, and keeps what a
 * person must see: what is wrong with what they wrote, the API's refusal, and whether it is under way.
 */
function useDecisionSender(request: AirlockRequest, action: 'review' | 'revoke') {
  const api = useApi();
  const [problem, setProblem] = useState<string>();
  const [refusal, setRefusal] = useState<unknown>();
  const [sending, setSending] = useState(false);
  const send = async <T,>(outcome: BodyOrProblem<T>, done: (answer: RequestWithActions) => void) => {
    setRefusal(undefined);
    if (!outcome.ok) {
      setProblem(outcome.problem);
      return;
    }
    setProblem(undefined);
    setSending(true);
    try {
      done(await api.json<RequestWithActions>(`${requestApiPath(request.workspaceId, request.id)}/${action}`, { method: 'POST', body: outcome.body, workspaceId: request.workspaceId }));
    } catch (error) {
      setRefusal(error);
    } finally {
      setSending(false);
    }
  };
  return { problem, refusal, sending, send };
}
