/**
 * The one error model: every failure the API reports is an AppError with a stable
 * machine-readable `code`; the problem+json handler turns it into RFC 9457 output.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'AppError';
  }
}

export const notFound = (code: string, detail: string) => new AppError(code, 404, detail);
export const conflict = (code: string, detail: string) => new AppError(code, 409, detail);
export const badRequest = (code: string, detail: string) => new AppError(code, 400, detail);
export const unauthorized = (code: string, detail: string) => new AppError(code, 401, detail);
export const forbidden = (code: string, detail: string) => new AppError(code, 403, detail);
