/** What a simulated endpoint answers; the server writes it to the socket. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** A JSON body the fault injector may truncate. */
  json?: boolean;
}

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=UTF-8', ...headers },
    body: JSON.stringify(value),
    json: true,
  };
}

export function textReply(status: number, body: string, contentType = 'text/plain; charset=utf-8'): Reply {
  return { status, headers: { 'content-type': contentType }, body };
}

/** Yelp's error envelope. */
export function yelpError(status: number, code: string, description: string, extra: object = {}): Reply {
  return jsonReply(status, { error: { code, description, ...extra } });
}

export const YELP_ERRORS = {
  tokenMissing: () =>
    yelpError(401, 'TOKEN_MISSING', 'An access token must be supplied in order to use this endpoint.'),
  tokenInvalid: () => yelpError(401, 'TOKEN_INVALID', 'Invalid access token or authorization header.'),
  perSecond: () =>
    yelpError(
      429,
      'TOO_MANY_REQUESTS_PER_SECOND',
      'You have exceeded the queries-per-second limit for this endpoint. Try reducing the rate at which you make queries.',
    ),
  dailyLimit: () =>
    yelpError(
      429,
      'ACCESS_LIMIT_REACHED',
      "You've reached the access limit for this client. See instructions for requesting a higher access limit at https://www.yelp.com/developers/documentation/v3/rate_limiting",
    ),
  internal: () =>
    yelpError(500, 'INTERNAL_ERROR', 'Something went wrong internally, please try again later.'),
  notFound: () => yelpError(404, 'NOT_FOUND', 'Resource Not Found'),
  businessNotFound: () => yelpError(404, 'BUSINESS_NOT_FOUND', 'The requested business could not be found.'),
  locationNotFound: () =>
    yelpError(400, 'LOCATION_NOT_FOUND', 'Could not execute search, try specifying a more exact location.'),
  noLocation: () =>
    yelpError(400, 'VALIDATION_ERROR', 'Please specify a location or a latitude and longitude'),
  validation: (description: string, field?: string, instance?: unknown) =>
    yelpError(400, 'VALIDATION_ERROR', description, field === undefined ? {} : { field, instance }),
};
