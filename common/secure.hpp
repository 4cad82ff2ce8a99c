// Secrets and unguessable ids: OpenSSL's CSPRNG and comparisons that leak nothing through their
// timing. No CAF, no Beast: any layer above the domain may use it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace commerce::secure {

// `bytes` bytes from OpenSSL's CSPRNG (RAND_bytes) as lower-case hex, two characters a byte.
// Throws std::runtime_error if the generator cannot produce them (it never falls back to a
// weaker source).
std::string random_hex(std::size_t bytes);

// Whether two secrets are equal, in a time that depends neither on where they differ nor on
// either length: their SHA-256 digests are compared with CRYPTO_memcmp.
bool same_secret(std::string_view a, std::string_view b);

// SHA-256 of `data` as lower-case hex (64 characters): a stable name derived from another,
// such as the profile an event creates (the same event, sent again, names the same profile).
std::string sha256_hex(std::string_view data);

// base64(HMAC-SHA256(key, data)): how the store platform signs a webhook's raw body
// (X-Shopify-Hmac-Sha256). Compare a received signature with same_secret.
std::string hmac_sha256_base64(std::string_view key, std::string_view data);

// Writes `content` to `path` readable and writable by the owner only: into a new file created
// with mode 0600 (never loosened and chmod'ed later), then renamed over `path`, so no reader
// ever sees a partial file or a wider mode, and a file or link already there is replaced, not
// written through. Creates a missing parent directory with mode 0700. Throws
// std::runtime_error naming the path on failure.
void write_private_file(const std::string& path, std::string_view content);

}  // namespace commerce::secure
