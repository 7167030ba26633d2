/**
 * Pagination as AWS's list operations do it: `MaxResults` checked against the operation's bounds
 * (SSM's 10-100, default 10, unless told otherwise), one page of a listing at a time, and
 * `NextToken`s that are opaque, bound to the listing they came from, and refused with
 * `InvalidNextToken` anywhere else.
 */
import { ServiceError } from './protocols';

/** The `MaxResults` an operation accepts, and the page size it uses without one. */
export interface PageBounds {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

/** SSM's list operations: 10-100, 10 by default. */
const SSM_PAGES: PageBounds = { min: 10, max: 100, default: 10 };

/** The request's `MaxResults`, or the default; outside the bounds is a ValidationException. */
export function pageSizeOf(input: Record<string, unknown>, bounds: PageBounds = SSM_PAGES): number {
  const pageSize = input.MaxResults ?? bounds.default;
  if (
    typeof pageSize !== 'number' ||
    !Number.isInteger(pageSize) ||
    pageSize < bounds.min ||
    pageSize > bounds.max
  ) {
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value '${String(pageSize)}' at 'maxResults' failed to satisfy constraint: ` +
        `Member must have value between ${bounds.min} and ${bounds.max}`,
    );
  }
  return pageSize;
}

/** One page of `items` from the offset in `token`; tokens are bound to the listing (`scope`). */
export function page<T>(
  items: readonly T[],
  token: unknown,
  scope: string,
  pageSize: number,
  field: string,
  render: (item: T) => Record<string, unknown>,
): Record<string, unknown> {
  const offset = decodeToken(token, scope);
  const next = offset + pageSize;
  return {
    [field]: items.slice(offset, next).map(render),
    ...(next < items.length ? { NextToken: encodeToken(scope, next) } : {}),
  };
}

export function encodeToken(scope: string, offset: number): string {
  return Buffer.from(JSON.stringify({ s: scope, o: offset })).toString('base64url');
}

/** The offset a token of this listing points at (0 without a token). */
export function decodeToken(token: unknown, scope: string): number {
  if (token === undefined || token === '') return 0;
  try {
    const decoded = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as {
      s?: unknown;
      o?: unknown;
    };
    if (decoded.s === scope && Number.isInteger(decoded.o)) return decoded.o as number;
  } catch {
    // fall through: the token is not one of ours
  }
  throw new ServiceError('InvalidNextToken', 'The specified token is not valid.');
}
