/** Errors that cross process boundaries: a stable code plus one human sentence. */
export const API_ERROR_CODES = [
  'validation', // the request (or a file) does not match what was expected
  'bad_input', // a file or value is readable but unusable (names the file and the problem)
  'not_found',
  'conflict',
  'unauthorized',
  'forbidden', // the caller's role may not do this (a reader marking a mask final)
  'cancelled',
  'unavailable', // e.g. no model, no provider, the store busy with another process (retryable)
  'needs_more', // valid, but what it needs is not there yet (agreement needs two raters): shown as a hint, not a failure
  'internal',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

const isApiErrorCode = (code: unknown): code is ApiErrorCode => (API_ERROR_CODES as readonly unknown[]).includes(code);

/** SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_RECOVERY, ...: another process held the store past the busy timeout. */
const isSqliteBusy = (code: unknown): boolean => typeof code === 'string' && code.startsWith('SQLITE_BUSY');

export interface ApiErrorJson {
  code: ApiErrorCode;
  message: string;
  details?: unknown;
  /** The same request may succeed if sent again later (nothing was changed). */
  retryable?: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): ApiErrorJson {
    return {
      code: this.code,
      message: this.message,
      ...(this.details === undefined ? {} : { details: this.details }),
      ...(this.retryable ? { retryable: true } : {}),
    };
  }

  /**
   * Any thrown value as an ApiError. Only the app's own codes pass through; a Node or SQLite error code
   * (ENOENT, ELOOP, SQLITE_CORRUPT, ...) is an internal error, except a busy store, which is worth a retry.
   */
  static from(raw: unknown): ApiError {
    if (raw instanceof ApiError) return raw;
    const r = raw && typeof raw === 'object' ? (raw as Partial<Record<keyof ApiErrorJson, unknown>>) : undefined;
    const message = typeof r?.message === 'string' ? r.message : raw instanceof Error ? raw.message : String(raw);
    if (r && isApiErrorCode(r.code)) return new ApiError(r.code, message, r.details, r.retryable === true);
    if (r && isSqliteBusy(r.code))
      return new ApiError('unavailable', `the store is busy: another CalDiff window or caldiff command is writing to it; try again (${String(r.code)})`, undefined, true);
    return new ApiError('internal', message);
  }
}

export const httpStatusOf: Record<ApiErrorCode, number> = {
  validation: 400,
  bad_input: 422,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  cancelled: 409,
  unavailable: 503,
  needs_more: 412,
  internal: 500,
};
