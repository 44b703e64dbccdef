// Reads Fernet tokens (the format Prefect's server encrypts block documents with, through
// the `cryptography` package): base64url of 0x80 | timestamp (8) | IV (16) | AES-128-CBC
// ciphertext (PKCS#7) | HMAC-SHA256 (32) over all before it; the key is base64url of 32
// bytes, the HMAC key then the AES key. Decryption only: Praetor re-seals what it reads.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace praetor::importer {

// The plaintext of `token`; an error when the key is malformed or the token was not made
// with it (or was altered), never garbage.
core::Result<std::string> fernet_decrypt(std::string_view key, std::string_view token);

}  // namespace praetor::importer
