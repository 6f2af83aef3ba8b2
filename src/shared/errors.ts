/** Errors that cross process boundaries: a stable code plus one human sentence. */
export type ApiErrorCode =
  | 'validation' // the request (or a file) does not match what was expected
  | 'bad_input' // a file or value is readable but unusable (names the file and the problem)
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'cancelled'
  | 'unavailable' // e.g. no model, no provider
  | 'internal';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): { code: ApiErrorCode; message: string; details?: unknown } {
    return { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) };
  }

  static from(raw: unknown): ApiError {
    if (raw instanceof ApiError) return raw;
    if (raw && typeof raw === 'object' && 'code' in raw && 'message' in raw) {
      const r = raw as { code: ApiErrorCode; message: string; details?: unknown };
      return new ApiError(r.code, r.message, r.details);
    }
    return new ApiError('internal', raw instanceof Error ? raw.message : String(raw));
  }
}

export const httpStatusOf: Record<ApiErrorCode, number> = {
  validation: 400,
  bad_input: 422,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  cancelled: 409,
  unavailable: 503,
  internal: 500,
};
