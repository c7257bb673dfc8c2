import { ValidationError } from '../common/errors.ts';
import type { WarehouseAdapter } from './adapter.ts';

export interface CompileContext {
  adapter: WarehouseAdapter;
  /** The relation a model is materialized as. */
  relationOf(model: string): string;
  runDate: string;
  /** Extract dates this run brings in (the run date, plus any date not built before). */
  batchDates: readonly string[];
  /** True when an incremental model merges into an existing table. */
  incremental: boolean;
  /** The model's own relation (`{{ this }}`). */
  self?: string;
}

const dateLiteral = (date: string) => `cast('${date}' as date)`;

/** Splits `a, 'b,c', f(x, y)` at top-level commas. */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of text) {
    if (ch === "'") quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    if (!quoted && ch === ')') depth--;
    if (!quoted && depth === 0 && ch === ',') {
      args.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) args.push(current.trim());
  return args;
}

const unquote = (arg: string) => (/^'.*'$/.test(arg) ? arg.slice(1, -1).replaceAll("''", "'") : arg);

/**
 * Renders a model body: `{% if is_incremental() %} … {% else %} … {% endif %}` blocks, then
 * `{{ expr }}` calls — ref, source, current (the latest extracted row per key of a model),
 * this, run_date, batch_dates, and the adapter's macros.
 */
export function compileSql(body: string, ctx: CompileContext, where = 'model'): string {
  const withBlocks = body.replace(
    /\{%\s*if\s+is_incremental\(\)\s*%\}([\s\S]*?)(?:\{%\s*else\s*%\}([\s\S]*?))?\{%\s*endif\s*%\}/g,
    (_, then: string, otherwise: string | undefined) => (ctx.incremental ? then : (otherwise ?? '')),
  );
  if (/\{%/.test(withBlocks)) throw new ValidationError(`${where}: unsupported {% … %} block`);
  return withBlocks.replace(
    /\{\{\s*([a-z_]+)\s*(?:\(([\s\S]*?)\))?\s*\}\}/g,
    (_, name: string, rawArgs?: string) => {
      const args = rawArgs === undefined ? [] : splitArgs(rawArgs).map(unquote);
      switch (name) {
        case 'ref':
          return ctx.relationOf(args[0]!);
        case 'source':
          if (args[0] !== 'lake')
            throw new ValidationError(`${where}: unknown source '${args[0]}' (only 'lake')`);
          return ctx.adapter.relation('lake', args[1]!);
        case 'current': {
          const [model, ...keys] = args;
          return `(select * from ${ctx.relationOf(model!)} qualify row_number() over (partition by ${keys.join(', ')} order by extracted_on desc) = 1)`;
        }
        case 'this':
          if (!ctx.self) throw new ValidationError(`${where}: {{ this }} outside a model`);
          return ctx.self;
        case 'run_date':
          return dateLiteral(ctx.runDate);
        case 'batch_dates':
          return ctx.batchDates.length === 0 ? '(null)' : `(${ctx.batchDates.map(dateLiteral).join(', ')})`;
        default: {
          const macro = ctx.adapter.macros[name];
          if (!macro) throw new ValidationError(`${where}: unknown macro {{ ${name}(…) }}`);
          return macro(...args);
        }
      }
    },
  );
}
