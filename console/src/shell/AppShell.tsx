/**
 * The frame of every signed-in page: the product name, the main navigation ("Review" only for Airlock
 * Managers), the workspace picker, who is signed in and how to sign out; then the page.
 */
import { Button, Link, Select, Text, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { useId, type ReactNode } from 'react';
import { useSession } from '../api/client';
import { useSessionControls } from '../auth/sessionControls';
import { onLinkClick } from '../router';
import { pathOf, type Route } from './routes';
import { ALL_WORKSPACES, useWorkspaceChoice } from './workspaceChoice';

const useStyles = makeStyles({
  header: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalXL}`,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalXL}`,
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
  },
  product: {
    color: tokens.colorNeutralForegroundOnBrand,
    fontSize: tokens.fontSizeBase500,
    fontWeight: tokens.fontWeightSemibold,
    textDecorationLine: 'none',
    ':hover': { color: tokens.colorNeutralForegroundOnBrand, textDecorationLine: 'underline' },
    ':hover:active': { color: tokens.colorNeutralForegroundOnBrand },
  },
  nav: { display: 'flex', gap: tokens.spacingHorizontalL },
  navLink: {
    color: tokens.colorNeutralForegroundOnBrand,
    paddingBlock: tokens.spacingVerticalXS,
    borderBottom: `${tokens.strokeWidthThick} solid transparent`,
    ':hover': { color: tokens.colorNeutralForegroundOnBrand },
    ':hover:active': { color: tokens.colorNeutralForegroundOnBrand },
  },
  current: { borderBottomColor: tokens.colorNeutralForegroundOnBrand, fontWeight: tokens.fontWeightSemibold },
  grow: { flexGrow: 1 },
  picker: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
  pickerLabel: { color: tokens.colorNeutralForegroundOnBrand },
  user: { color: tokens.colorNeutralForegroundOnBrand },
  main: {
    maxWidth: '1240px',
    margin: '0 auto',
    padding: `${tokens.spacingVerticalXL} ${tokens.spacingHorizontalXL}`,
    boxSizing: 'border-box',
    ':focus': { outlineStyle: 'none' },
  },
});

function isCurrent(route: Route, item: 'myRequests' | 'review'): boolean {
  if (item === 'review') return route.page === 'reviewQueue' || route.page === 'review' || route.page === 'audit';
  return route.page === 'myRequests' || route.page === 'request';
}

export function AppShell({ route, children }: { route: Route; children: ReactNode }) {
  const styles = useStyles();
  const session = useSession();
  const controls = useSessionControls();
  const choice = useWorkspaceChoice();
  const pickerId = useId();
  const manages = session.workspaceIds.some((id) => session.rolesIn(id).includes('AirlockManager'));

  const navLink = (item: 'myRequests' | 'review', label: string, target: Route) => (
    <Link
      href={pathOf(target)}
      onClick={onLinkClick}
      className={mergeClasses(styles.navLink, isCurrent(route, item) && styles.current)}
      aria-current={isCurrent(route, item) ? 'page' : undefined}
    >
      {label}
    </Link>
  );

  return (
    <>
      <header className={styles.header}>
        <Link href={pathOf({ page: 'myRequests' })} onClick={onLinkClick} className={styles.product}>
          Airlock
        </Link>
        <nav aria-label="Main" className={styles.nav}>
          {navLink('myRequests', 'My requests', { page: 'myRequests' })}
          {manages && navLink('review', 'Review', { page: 'reviewQueue' })}
        </nav>
        <div className={styles.grow} />
        {session.workspaceIds.length > 0 && (
          <div className={styles.picker}>
            <label htmlFor={pickerId} className={styles.pickerLabel}>
              Workspace
            </label>
            <Select id={pickerId} value={choice.workspaceId} onChange={(_, data) => choice.choose(data.value)} size="small">
              {session.workspaceIds.length > 1 && <option value={ALL_WORKSPACES}>All workspaces</option>}
              {session.workspaceIds.map((id) => (
                <option key={id} value={id}>
                  {controls.workspaceName(id)}
                </option>
              ))}
            </Select>
          </div>
        )}
        <Text className={styles.user}>
          Signed in as <strong>{session.user.name}</strong>
          {controls.kind === 'local' ? ' (local development sign-in)' : ''}
        </Text>
        <Button size="small" onClick={controls.signOut}>
          Sign out
        </Button>
      </header>
      <main id="main" tabIndex={-1} className={styles.main}>
        {children}
      </main>
    </>
  );
}
