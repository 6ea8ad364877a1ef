/** Text for screen readers only, spoken politely when it changes (status changes, finished uploads). */
import { makeStyles } from '@fluentui/react-components';

export const useVisuallyHidden = makeStyles({
  hidden: {
    position: 'absolute',
    width: '1px',
    height: '1px',
    margin: '-1px',
    padding: 0,
    overflow: 'hidden',
    clipPath: 'inset(50%)',
    whiteSpace: 'nowrap',
    border: 0,
  },
});

export function Announcer({ text }: { text: string }) {
  const styles = useVisuallyHidden();
  return (
    <div role="status" aria-live="polite" aria-atomic="true" className={styles.hidden}>
      {text}
    </div>
  );
}
