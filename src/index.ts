/**
 * The Functions app: importing this module registers every function, in Azure (the worker loads
 * package.json `main`) and on the local host alike.
 */
import { app } from '@azure/functions';

app.setup({ enableHttpStream: false });

import './functions/http/createRequest';
import './functions/http/listRequests';
import './functions/http/getRequest';
import './functions/http/getRequestLink';
import './functions/http/previewFile';
import './functions/http/submitRequest';
import './functions/http/cancelRequest';
import './functions/http/reviewRequest';
import './functions/http/reviewUserResource';
import './functions/http/revokeRequest';
import './functions/http/recoverRequest';
import './functions/http/listMyRequests';
import './functions/http/getRequestAudit';
import './functions/http/getRequestChanges';
import './functions/http/getAirlockSettings';
import './functions/http/putAirlockSettings';
import './functions/http/workspaces';
import './functions/http/portalShell';
import './functions/http/health';
import './functions/http/consoleAssets';
import './functions/events/defenderScanResult';
import './functions/events/airlockNotifier';
import './functions/orchestrators/airlockLifecycle';
import './functions/activities/provisionContainer';
import './functions/activities/readRequestStatus';
import './functions/activities/hashSubmittedFiles';
import './functions/activities/moveFiles';
import './functions/activities/checkContent';
import './functions/activities/requestScan';
import './functions/activities/readScanOutcome';
import './functions/activities/setRequestStatus';
import './functions/activities/deleteStageData';
import './functions/activities/failRequest';
import './functions/activities/publishAuditEvents';
import './functions/timers/reconcileLifecycles';
