import type { Settings } from '../config/settings.ts';
import { openDatabase, type SourceDatabase } from '../oltp/database.ts';

/**
 * The source database as the API uses it: on PostgreSQL every session gets the API's statement
 * timeout (a runaway query answers 503 instead of holding a connection). PGlite is one embedded
 * session shared with nothing else in the API process, so it runs without one.
 */
export function openApiDatabase(
  settings: Pick<Settings, 'databaseUrl' | 'stateDir' | 'databaseStatementTimeoutMs'> &
    Partial<Pick<Settings, 'databaseConnectTimeoutMs'>>,
): Promise<SourceDatabase> {
  // The client-side timeout backs the server's statement timeout up when the server itself hangs.
  const statement = settings.databaseStatementTimeoutMs;
  return openDatabase({
    ...settings,
    databaseUrl: withStatementTimeout(settings),
    databaseQueryTimeoutMs: statement === 0 ? 0 : statement + 2000,
  });
}

export function withStatementTimeout(
  settings: Pick<Settings, 'databaseUrl' | 'databaseStatementTimeoutMs'>,
): string | undefined {
  if (!settings.databaseUrl || settings.databaseStatementTimeoutMs === 0) return settings.databaseUrl;
  const url = new URL(settings.databaseUrl);
  const options = [
    url.searchParams.get('options'),
    `-c statement_timeout=${settings.databaseStatementTimeoutMs}`,
  ];
  url.searchParams.set('options', options.filter(Boolean).join(' '));
  return url.href;
}
