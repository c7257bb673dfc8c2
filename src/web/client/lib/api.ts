/**
 * The REST API as the pages use it. The access token lives only in memory; the single-use refresh
 * token is kept in sessionStorage (this tab, until it closes) so a reload can rotate it into a new
 * access token instead of logging the user out.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface TokenPair {
  access_token: string;
  refresh_token: string;
}

const REFRESH_KEY = 'gourmand.refresh';
let accessToken: string | null = null;
let refreshing: Promise<boolean> | null = null;

async function send(path: string, init: RequestInit): Promise<Response> {
  const headers = new Headers(init.headers);
  if (accessToken) headers.set('authorization', `Bearer ${accessToken}`);
  if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
  try {
    return await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError(0, `Cannot reach the server for ${path}: is \`gourmand serve\` running?`);
  }
}

async function failure(response: Response, path: string): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as { message?: string } | null;
  return new ApiError(response.status, body?.message ?? `${path} answered ${response.status}`);
}

/** JSON of a request; a 401 with a refresh token at hand rotates it and retries once. */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const request = {
    method: init.method ?? 'GET',
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  };
  let response = await send(path, request);
  if (response.status === 401 && sessionStorage.getItem(REFRESH_KEY) && (await refresh())) {
    response = await send(path, request);
  }
  if (!response.ok) throw await failure(response, path);
  return (response.status === 204 ? null : await response.json()) as T;
}

function keep(tokens: TokenPair | null) {
  accessToken = tokens?.access_token ?? null;
  if (tokens) sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
  else sessionStorage.removeItem(REFRESH_KEY);
}

/** Rotates the refresh token (once at a time: a second rotation of the same token would revoke the login). */
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    const token = sessionStorage.getItem(REFRESH_KEY);
    if (!token) return false;
    const response = await send('/auth/refresh', {
      method: 'POST',
      body: JSON.stringify({ refresh_token: token }),
    });
    keep(response.ok ? ((await response.json()) as TokenPair) : null);
    return response.ok;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

export async function login(email: string, password: string): Promise<void> {
  keep(await api<TokenPair>('/auth/login', { method: 'POST', body: { username: email, password } }));
}

export async function logout(): Promise<void> {
  const token = sessionStorage.getItem(REFRESH_KEY);
  // Logging out needs the access token, so the tokens are dropped only after the call.
  if (token) await api('/auth/logout', { method: 'POST', body: { refresh_token: token } }).catch(() => {});
  keep(null);
}

export interface Me {
  id: number;
  email: string;
  role: 'user' | 'moderator' | 'admin';
  emailVerified: boolean;
}

/** The signed-in account (restoring the login after a reload), or null. */
export async function currentAccount(): Promise<Me | null> {
  if (!accessToken && !(await refresh())) return null;
  return api<Me>('/me').catch((error) => {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  });
}
