/**
 * Subject ids as the operator API accepts them: an account is 32 hex characters (a keyed hash of
 * its key); a fingerprint is `s` or `n` and 16 hex characters.
 */
import { GuardError } from "./errors";

const ACCOUNT_ID = /^[0-9a-f]{32}$/;
const FINGERPRINT_ID = /^[sn][0-9a-f]{16}$/;

export function accountId(id: string | undefined): string {
  if (!id || !ACCOUNT_ID.test(id)) throw GuardError.badRequest("invalid_id", "Account ids are 32 hexadecimal characters.", "id");
  return id;
}

export function fingerprintId(id: string | undefined): string {
  if (!id || !FINGERPRINT_ID.test(id)) throw GuardError.badRequest("invalid_id", "Fingerprint ids are 's' or 'n' and 16 hexadecimal characters.", "id");
  return id;
}
