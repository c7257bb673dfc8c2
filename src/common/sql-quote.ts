/** Standard SQL quoting (PostgreSQL, DuckDB) for identifiers and literals spliced into statement text. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
export const quoteLiteral = (value: string): string => `'${value.replaceAll("'", "''")}'`;
