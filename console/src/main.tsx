/** The console's entry: Fluent UI's theme around the sign-in gate, and the console behind it. */
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SignInGate } from './auth/SignInGate';
import { App } from './shell/App';
import './global.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <FluentProvider theme={webLightTheme}>
      <SignInGate>
        <App />
      </SignInGate>
    </FluentProvider>
  </StrictMode>,
);
