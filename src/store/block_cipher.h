// Block documents' data encrypted at rest: AES-256-GCM (OpenSSL EVP), a random 96-bit nonce
// per write and the row id as associated data, so a sealed value cannot be moved to another
// row unnoticed. The key is never stored in the database: it comes from the setting
// PRAETOR_SERVER_BLOCKS_ENCRYPTION_KEY (base64 of 32 bytes) or from the key file
// $PREFECT_HOME/praetor-blocks.key, generated once (mode 0600, created atomically). Replicas
// sharing a database must share the key. Thread-safe: const after construction.
#pragma once

#include <string>
#include <string_view>

#include "config/settings.h"
#include "core/result.h"

namespace praetor::store {

class BlockCipher {
 public:
  // `key`: 32 bytes; `source`: where it came from ("the setting …" or the file path), for
  // messages. The key itself is never logged.
  BlockCipher(std::string key, std::string source);

  // "v1:" + base64(nonce | ciphertext | tag).
  std::string seal(std::string_view plaintext, std::string_view associated_data) const;
  // The plaintext; an error naming the key source when the value was sealed with another
  // key (or altered), never garbage.
  core::Result<std::string> open(std::string_view sealed, std::string_view associated_data) const;

  const std::string& source() const { return source_; }

 private:
  std::string key_;
  std::string source_;
};

inline constexpr std::string_view kBlockKeyFileName = "praetor-blocks.key";

// The cipher for these settings: settings.blocks_encryption_key when set, else the key in
// $PREFECT_HOME/praetor-blocks.key, which is created (32 random bytes, base64, mode 0600,
// O_EXCL: a concurrent start reads the winner's key) when absent. A key file readable by
// others or not holding base64 of 32 bytes is an error naming the file.
core::Result<BlockCipher> load_block_cipher(const config::Settings& settings);

}  // namespace praetor::store
