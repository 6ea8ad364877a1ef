/**
 * A page that fails while rendering shows what went wrong in place of itself; the header, the
 * navigation and the other pages keep working.
 */
import { MessageBar, MessageBarBody, MessageBarTitle, Title1 } from '@fluentui/react-components';
import { Component, type ReactNode } from 'react';

export class PageErrorBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};

  static getDerivedStateFromError(error: unknown): { error: Error } {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <>
        <Title1 as="h1">Something went wrong</Title1>
        <MessageBar intent="error">
          <MessageBarBody>
            <MessageBarTitle>This page could not be shown.</MessageBarTitle>
            {this.state.error.message}
          </MessageBarBody>
        </MessageBar>
      </>
    );
  }
}
