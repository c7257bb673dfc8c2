/**
 * Masks secrets in text bound for a person or a log: the password of any URL, bearer tokens,
 * secret-looking query parameters, and every secret value the settings hold (registered when they
 * are loaded). Used by the logger (every line) and the CLI's error printer (every message).
 */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s"']*:)([^@/?#\s"']+)@/gi;
const BEARER = /(\bBearer\s+)[\w.~+/=-]+/g;
const SECRET_PARAM =
  /([?&](?:password|passwd|token|key|api_key|apikey|secret|access_token|refresh_token)=)[^&\s"'#]+/gi;
const MASK = '***';

const secrets = new Set<string>();

/** Remembers a secret value so it is masked wherever it shows up (short values are ignored). */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value);
}

export function redactSecrets(text: string): string {
  let out = text
    .replace(URL_PASSWORD, `$1${MASK}@`)
    .replace(BEARER, `$1${MASK}`)
    .replace(SECRET_PARAM, `$1${MASK}`);
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}
