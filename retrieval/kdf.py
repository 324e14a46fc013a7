"""Secrets hashed at rest (the admin password, the API key): make a hash, check a secret against it.

Formats (fields after the scheme are unpadded base64, except the numbers), the same as
the admin password's (`python -m ui.auth`). New scrypt hashes cost N=2^17, r=8, p=1 (128 MiB per check):
  scrypt$<n>$<r>$<p>$<salt>$<key>              hashlib.scrypt, 32-byte key
  pbkdf2_sha256$<iterations>$<salt>$<key>      hashlib.pbkdf2_hmac("sha256"), 32-byte key

    python -m retrieval.kdf --new-api-key     # a random API key and the hash for POLICY_QA_API_KEY_HASH
    python -m retrieval.kdf [--pbkdf2]        # hash a secret read from the terminal or stdin
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


# OWASP's current minimum for new hashes (N=2^17, r=8, p=1: 128 MiB per check); older,
# cheaper hashes still verify, and `hash_is_current` says which ones to replace.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
PBKDF2_ITERATIONS = 600_000
# scrypt needs 128·r·N bytes; OpenSSL's default cap (32 MiB) is below OWASP's parameters.
_SCRYPT_MAXMEM = 256 * 1024 * 1024


class BadHash(ValueError):
    """A configured hash that is not in a known format."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def hash_secret(secret: str, scheme: str = "scrypt") -> str:
    salt = secrets.token_bytes(16)
    if scheme == "scrypt":
        n, r, p = SCRYPT_N, SCRYPT_R, SCRYPT_P
        key = hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=_SCRYPT_MAXMEM)
        return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"
    if scheme == "pbkdf2_sha256":
        iterations = PBKDF2_ITERATIONS
        key = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, iterations, dklen=32)
        return f"pbkdf2_sha256${iterations}${_b64(salt)}${_b64(key)}"
    raise ValueError(f"unknown scheme {scheme!r}")


def hash_is_current(stored: str) -> bool:
    """False for a hash made with less work than this version makes (it still verifies)."""
    parts = stored.strip().split("$")
    try:
        if parts[0] == "scrypt":
            n, r, p = (int(x) for x in parts[1:4])
            return n * r * p >= SCRYPT_N * SCRYPT_R * SCRYPT_P
        if parts[0] == "pbkdf2_sha256":
            return int(parts[1]) >= PBKDF2_ITERATIONS
    except (ValueError, IndexError):
        return False
    return False


def verify_secret(secret: str, stored: str) -> bool:
    """Constant-time check of `secret` against a stored hash; raises BadHash for a malformed one."""
    parts = stored.strip().split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = (int(x) for x in parts[1:4])
            salt, key = _unb64(parts[4]), _unb64(parts[5])
            got = hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=len(key), maxmem=_SCRYPT_MAXMEM)
            return hmac.compare_digest(got, key)
        if parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            iterations = int(parts[1])
            salt, key = _unb64(parts[2]), _unb64(parts[3])
            got = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, iterations, dklen=len(key))
            return hmac.compare_digest(got, key)
    except (ValueError, TypeError) as exc:
        raise BadHash(f"the hash is malformed: {exc}") from exc
    raise BadHash("the hash is not in a known format (scrypt$… or pbkdf2_sha256$…)")


def read_secret(prompt: str) -> str:
    """A secret from the terminal (not echoed) or the first line of stdin; exits on an empty one."""
    import getpass
    import sys

    secret = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if not secret:
        raise SystemExit("error: empty secret")
    return secret


def new_api_key() -> str:
    return secrets.token_urlsafe(32)


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m retrieval.kdf", description="hash a secret for storage at rest")
    ap.add_argument("--new-api-key", action="store_true", help="make a random API key and print it with its hash")
    ap.add_argument("--pbkdf2", action="store_true", help="PBKDF2-SHA256 instead of scrypt")
    args = ap.parse_args(argv)
    scheme = "pbkdf2_sha256" if args.pbkdf2 else "scrypt"
    if args.new_api_key:
        key = new_api_key()
        print(f"API key (give to the admin client, store nowhere else): {key}")
        print(f"POLICY_QA_API_KEY_HASH={hash_secret(key, scheme)}")
        return 0
    print(hash_secret(read_secret("secret: "), scheme))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
