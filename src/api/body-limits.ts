/**
 * Limits on the shape of a request body, checked on the raw text before it is parsed, so no
 * parser, schema or check downstream ever sees a body nested thousands of levels deep (a recursive
 * walk overflows the stack: a 500) or with so many keys that validating it takes seconds.
 */
export const BODY_MAX_DEPTH = 32;
export const BODY_MAX_KEYS = 1000;

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const OPEN = new Set([91, 123]);
const CLOSE = new Set([93, 125]);

/** What is wrong with the shape of a JSON text, or undefined. One pass, no recursion. */
export function jsonShapeProblem(text: string): string | undefined {
  let depth = 0;
  let keys = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (OPEN.has(c)) {
      if (++depth > BODY_MAX_DEPTH) return `The JSON body is nested deeper than ${BODY_MAX_DEPTH} levels`;
    } else if (CLOSE.has(c)) depth--;
    else if (c === COLON && ++keys > BODY_MAX_KEYS) {
      return `The JSON body has more than ${BODY_MAX_KEYS} keys`;
    }
  }
  return undefined;
}

/** A form body as an object; more than BODY_MAX_KEYS fields is an error message instead. */
export function parseForm(text: string): Record<string, string> | string {
  const fields: [string, string][] = [];
  for (const field of new URLSearchParams(text)) {
    if (fields.push(field) > BODY_MAX_KEYS) return `The form body has more than ${BODY_MAX_KEYS} fields`;
  }
  // fromEntries defines own properties: a "__proto__" field stays a field.
  return Object.fromEntries(fields);
}
