/** Sync services of an endpoint ($syncSource, $syncTarget, $syncResults, $conflicts, $failures), by HTTP method. */
import type { ServiceHandler } from '../serviceContext';
import { byMethod } from '../byMethod';
import { deleteSyncSource, getSyncSource, postSyncSource } from './syncSource';
import { deleteSyncTarget, getSyncTarget, postSyncTarget } from './syncTarget';
import { postSyncTargetOrPhase } from './preparedBatch';
import { getSyncResults, postSyncResults } from './syncResults';
import { getConflicts, resolveConflict } from './conflicts';
import { getFailures, retryFailure } from './failures';

export const syncServices: Record<string, ServiceHandler> = {
  $syncSource: byMethod('$syncSource', { POST: postSyncSource, GET: getSyncSource, DELETE: deleteSyncSource }),
  $syncTarget: byMethod('$syncTarget', { POST: postSyncTargetOrPhase(postSyncTarget), GET: getSyncTarget, DELETE: deleteSyncTarget }),
  $syncResults: byMethod('$syncResults', { POST: postSyncResults, GET: getSyncResults }),
  $conflicts: byMethod('$conflicts', { GET: getConflicts, POST: resolveConflict }),
  $failures: byMethod('$failures', { GET: getFailures, POST: retryFailure }),
};
