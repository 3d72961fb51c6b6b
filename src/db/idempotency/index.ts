export { findReplay, type Once, type OnceRow, pruneIdempotencyKeys, settleOnce } from './once.js';
export { type IdempotencyScope, type IdempotentResult, inFlightLockName, requestHash } from './scope.js';
