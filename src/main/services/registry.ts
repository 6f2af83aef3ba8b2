import { api, isOpName, type OpName, type ParsedRequest, type Response } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { formatIssues } from '../../shared/text';
import type { AppContext } from '../context';

/** Who is calling, for the audit log and for transport-specific answers. */
export interface CallContext {
  transport: 'ipc' | 'http' | 'cli';
}

export type Handler<K extends OpName> = (request: ParsedRequest<K>, app: AppContext, call: CallContext) => Promise<Response<K>> | Response<K>;
export type Handlers = { [K in OpName]: Handler<K> };
/** Each service module contributes the handlers of its own domain. */
export type HandlerGroup<K extends OpName> = { [P in K]: Handler<P> };

/**
 * The single entry point of every transport: validate the raw request against the contract, run the handler,
 * and check the answer against the contract too, so no transport can receive what the contract does not promise.
 */
export async function dispatch(handlers: Handlers, app: AppContext, op: string, raw: unknown, call: CallContext): Promise<unknown> {
  if (!isOpName(op)) throw new ApiError('not_found', `unknown operation "${op}"`);
  const contract = api[op];
  const parsed = contract.request.safeParse(raw ?? {});
  if (!parsed.success) throw new ApiError('validation', `invalid request for ${op}: ${formatIssues(parsed.error.issues, 'body')}`);
  const handler = handlers[op] as Handler<typeof op>;
  const result = await handler(parsed.data as never, app, call);
  const checked = contract.response.safeParse(result);
  if (!checked.success) throw new ApiError('internal', `${op} produced an answer outside the contract: ${formatIssues(checked.error.issues, 'body')}`);
  return checked.data;
}
