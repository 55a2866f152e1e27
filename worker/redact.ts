/**
 * Error text that is safe to log. Runtime messages quote the values they choke on ("Cannot create
 * property 'x' on string '<the prompt>'", `Unexpected token 'a', "<body>" is not valid JSON`), so
 * an unexpected exception logged verbatim could put prompt text or an API key in the logs. Quoted
 * spans are replaced and the text is capped; the error's name and the message's wording remain.
 */
const QUOTED = /'[^']*'|"[^"]*"|`[^`]*`/g;
const MAX_CHARS = 200;

export function redactedError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : typeof err;
  const safe = text.replace(QUOTED, "'…'");
  return safe.length > MAX_CHARS ? `${safe.slice(0, MAX_CHARS)}…` : safe;
}
