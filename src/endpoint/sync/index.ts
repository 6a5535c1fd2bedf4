/** Sync services of an endpoint ($syncSource, $syncTarget, $syncResults, $conflicts, $failures, $syncNotify). */
import type { ServiceHandler } from '../services';

export const syncServices: Record<string, ServiceHandler> = {};
