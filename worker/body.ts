/**
 * Reads a JSON request body once, within MAX_BODY_BYTES, keeping the exact bytes for forwarding.
 * Every failure is a 4xx in the API's shape: 415 wrong content type, 413 too large, 400 empty,
 * invalid UTF-8 or invalid JSON.
 */
import { GuardError } from "./errors";

export interface JsonBody {
  bytes: ArrayBuffer;
  value: unknown;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function isJsonType(contentType: string | null): boolean {
  if (!contentType) return false;
  const mime = contentType.split(";")[0]!.trim().toLowerCase();
  return mime === "application/json" || (mime.startsWith("application/") && mime.endsWith("+json"));
}

async function readLimited(request: Request, limit: number): Promise<ArrayBuffer> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) throw GuardError.tooLarge();
  if (!request.body) return new ArrayBuffer(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw GuardError.tooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!.buffer.slice(chunks[0]!.byteOffset, chunks[0]!.byteOffset + size) as ArrayBuffer;
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out.buffer;
}

export async function readJsonBody(request: Request, limit: number): Promise<JsonBody> {
  if (!isJsonType(request.headers.get("content-type"))) throw GuardError.unsupportedMediaType();
  let bytes: ArrayBuffer;
  try {
    bytes = await readLimited(request, limit);
  } catch (err) {
    if (err instanceof GuardError) throw err;
    throw GuardError.badRequest("invalid_body", "The request body could not be read.");
  }
  if (bytes.byteLength === 0) throw GuardError.badRequest("empty_body", "The request body is empty; send a JSON object.");
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw GuardError.badRequest("invalid_encoding", "The request body is not valid UTF-8.");
  }
  try {
    return { bytes, value: JSON.parse(text) };
  } catch {
    throw GuardError.badRequest("invalid_json", "The request body is not valid JSON.");
  }
}
