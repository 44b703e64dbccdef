#include "importer/fernet.h"

#include <memory>
#include <optional>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace praetor::importer {

namespace {

constexpr std::size_t kHeader = 1 + 8 + 16;  // version, timestamp, IV
constexpr std::size_t kMac = 32;

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string standard(text);
  for (char& ch : standard) {
    if (ch == '-') ch = '+';
    if (ch == '_') ch = '/';
  }
  while (standard.size() % 4 != 0) standard += '=';
  if (standard.empty()) return std::nullopt;
  std::string out(3 * standard.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(standard.data()), static_cast<int>(standard.size()));
  if (n < 0) return std::nullopt;
  std::size_t padding = 0;
  if (standard.back() == '=') ++padding;
  if (standard[standard.size() - 2] == '=') ++padding;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

core::Result<std::string> fernet_decrypt(std::string_view key_text, std::string_view token_text) {
  auto key = base64url_decode(key_text);
  if (!key || key->size() != 32) return core::Error::invalid("the Fernet key is not base64url of 32 bytes");
  auto token = base64url_decode(token_text);
  if (!token || token->size() < kHeader + 16 + kMac || (*token)[0] != '\x80' ||
      (token->size() - kHeader - kMac) % 16 != 0) {
    return core::Error::invalid("not a Fernet token");
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), bytes(*key), 16, bytes(*token), token->size() - kMac, mac, &mac_size);
  if (mac_size != kMac || CRYPTO_memcmp(mac, bytes(*token) + token->size() - kMac, kMac) != 0) {
    return core::Error::invalid("the Fernet token was not made with this key (or was altered)");
  }
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  const std::size_t size = token->size() - kHeader - kMac;
  std::string plain(size + 16, '\0');
  int n = 0, last = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr, bytes(*key) + 16, bytes(*token) + 9) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &n, bytes(*token) + kHeader,
                        static_cast<int>(size)) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + n, &last) != 1) {
    return core::Error::invalid("the Fernet token's ciphertext is malformed");
  }
  plain.resize(static_cast<std::size_t>(n + last));
  return plain;
}

}  // namespace praetor::importer
