#include "vrrp/auth_ah.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstring>

namespace vigil::vrrp {
namespace {

constexpr std::size_t kMaxIpv4HeaderSize = 60;
constexpr std::size_t kMd5Size = 16;

std::uint32_t get32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

void put32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// The HMAC implementation is fetched once; OpenSSL makes a fetched EVP_MAC safe to share.
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

// HMAC-MD5 over `first` then `second`. False only if OpenSSL fails (no MD5 in the provider).
bool hmac_md5(const AhKey& key, std::span<const std::uint8_t> first,
              std::span<const std::uint8_t> second, std::uint8_t (&out)[kMd5Size]) {
  EVP_MAC* mac = hmac_algorithm();
  if (mac == nullptr) return false;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  if (ctx == nullptr) return false;
  char digest_name[] = "MD5";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  std::size_t length = 0;
  bool ok = EVP_MAC_init(ctx, key.data(), key.size(), params) == 1 &&
            EVP_MAC_update(ctx, first.data(), first.size()) == 1 &&
            EVP_MAC_update(ctx, second.data(), second.size()) == 1 &&
            EVP_MAC_final(ctx, out, &length, kMd5Size) == 1 && length == kMd5Size;
  EVP_MAC_CTX_free(ctx);
  return ok;
}

}  // namespace

AhKey ah_key(std::string_view auth_pass) {
  AhKey key{};
  std::copy_n(auth_pass.begin(), std::min(auth_pass.size(), key.size()), key.begin());
  return key;
}

void write_ah_header(const AhHeader& header, std::span<std::uint8_t> out) {
  if (out.size() < kAhHeaderSize) return;
  out[0] = header.next_header;
  out[1] = header.payload_length;
  out[2] = static_cast<std::uint8_t>(header.reserved >> 8);
  out[3] = static_cast<std::uint8_t>(header.reserved);
  put32(&out[4], header.spi);
  put32(&out[8], header.sequence);
  std::copy(header.icv.begin(), header.icv.end(), out.begin() + 12);
}

std::optional<AhHeader> read_ah_header(std::span<const std::uint8_t> in) {
  if (in.size() < kAhHeaderSize) return std::nullopt;
  AhHeader h;
  h.next_header = in[0];
  h.payload_length = in[1];
  h.reserved = static_cast<std::uint16_t>((in[2] << 8) | in[3]);
  h.spi = get32(&in[4]);
  h.sequence = get32(&in[8]);
  std::copy_n(in.begin() + 12, kAhIcvSize, h.icv.begin());
  return h;
}

std::optional<AhIcv> ah_compute_icv(std::span<const std::uint8_t> datagram, const AhKey& key,
                                    bool zero_ttl) {
  if (datagram.empty()) return std::nullopt;
  const std::size_t ihl = static_cast<std::size_t>(datagram[0] & 0x0f) * 4;
  if (ihl < 20 || datagram.size() < ihl + kAhHeaderSize) return std::nullopt;

  // A copy of the IP and AH headers with the mutable fields zeroed (vrrp_in_chk_ipsecah); the
  // rest of the datagram is hashed in place.
  std::uint8_t headers[kMaxIpv4HeaderSize + kAhHeaderSize];
  const std::size_t headers_size = ihl + kAhHeaderSize;
  std::memcpy(headers, datagram.data(), headers_size);
  headers[1] = 0;                 // TOS
  headers[6] = headers[7] = 0;    // flags, fragment offset
  headers[10] = headers[11] = 0;  // header checksum
  if (zero_ttl) headers[8] = 0;
  std::memset(headers + ihl + 12, 0, kAhIcvSize);

  std::uint8_t digest[kMd5Size];
  if (!hmac_md5(key, std::span<const std::uint8_t>(headers, headers_size),
                datagram.subspan(headers_size), digest)) {
    return std::nullopt;
  }
  AhIcv icv;
  std::copy_n(digest, kAhIcvSize, icv.begin());
  return icv;
}

bool ah_verify_icv(std::span<const std::uint8_t> datagram, const AhKey& key, bool zero_ttl) {
  auto icv = ah_compute_icv(datagram, key, zero_ttl);
  if (!icv) return false;
  const std::size_t ihl = static_cast<std::size_t>(datagram[0] & 0x0f) * 4;
  return CRYPTO_memcmp(icv->data(), datagram.data() + ihl + 12, kAhIcvSize) == 0;
}

std::uint32_t AhSequence::next_for_send() {
  if (value_ > 0xFFFFFFFDu) {
    cycled_ = true;
  } else {
    ++value_;
  }
  return value_;
}

bool AhSequence::accept(std::uint32_t received, bool in_backup_state) {
  if (received <= value_) return false;
  value_ = received;
  if (in_backup_state) cycled_ = false;
  return true;
}

void AhSequence::sync_from_lower_priority(std::uint32_t received) {
  value_ = received + 1;
  cycled_ = false;
}

void AhSequence::on_become_master() {
  if (!cycled_) return;
  cycled_ = false;
  value_ = 0;
}

}  // namespace vigil::vrrp
