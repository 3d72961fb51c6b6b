export { findReplay, type Once, type OnceRow, pruneIdempotencyKeys, runOnce, settleOnce } from './once.js';
export { type IdempotencyScope, type IdempotentResult, inFlightLockName, requestHash } from './scope.js';
