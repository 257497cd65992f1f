#include "checkers/http_message.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace vigil::checkers {

namespace {

// Chunk-size and trailer lines longer than this are not HTTP.
constexpr std::size_t kMaxLineBytes = 4096;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i)
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  return false;
}

}  // namespace

std::string http_host(const std::string* virtualhost, const core::IpAddress& address,
                      std::uint16_t port) {
  // keepalived: a virtualhost is sent as written, without a port; otherwise the address and
  // port, an IPv6 literal in brackets (RFC 2732).
  if (virtualhost) return *virtualhost;
  const std::string a = address.to_string();
  return (address.is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(port);
}

std::string http_request(std::string_view path, config::HttpProtocol protocol,
                         std::string_view host) {
  // keepalived's request_template, byte for byte (header order included).
  std::string r = "GET ";
  r += path;
  r += protocol == config::HttpProtocol::k1_1 ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n";
  r += "User-Agent: KeepAliveClient\r\n";
  if (protocol != config::HttpProtocol::k1_0) r += "Connection: close\r\n";
  r += "Host: ";
  r += host;
  r += "\r\n\r\n";
  return r;
}

bool HttpResponseParser::fail(std::string why) {
  state_ = State::kError;
  error_ = std::move(why);
  return false;
}

void HttpResponseParser::deliver(std::string_view bytes) {
  if (bytes.empty()) return;
  body_bytes_ += bytes.size();
  if (sink_) sink_(bytes);
}

void HttpResponseParser::reset() {
  state_ = State::kHeader;
  header_.clear();
  line_.clear();
  error_.clear();
  status_line_.clear();
  status_ = 0;
  content_length_.reset();
  chunked_ = false;
  chunk_left_ = 0;
  body_bytes_ = 0;
}

bool HttpResponseParser::feed(std::string_view bytes) {
  if (state_ == State::kError) return false;
  if (state_ == State::kDone) return true;  // bytes past the end of the body are ignored
  if (state_ == State::kHeader) {
    const std::size_t before = header_.size();
    header_.append(bytes);
    const std::size_t end = header_.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
    if (end == std::string::npos) {
      if (header_.size() > kMaxHeaderBytes) return fail("HTTP header too large");
      return true;
    }
    // What follows the blank line is the body's start, still in `bytes`.
    bytes.remove_prefix(end + 4 - before);
    header_.resize(end + 4);
    if (!parse_header()) return false;
    while (!bytes.empty() && state_ != State::kDone && state_ != State::kError)
      bytes.remove_prefix(feed_body(bytes));
    return state_ != State::kError;
  }
  while (!bytes.empty() && state_ != State::kDone && state_ != State::kError)
    bytes.remove_prefix(feed_body(bytes));
  return state_ != State::kError;
}

bool HttpResponseParser::parse_header() {
  std::string_view text(header_);
  const std::size_t eol = text.find("\r\n");
  status_line_.assign(text.substr(0, eol));
  // lib/html.c extract_status_code: the token after the first space. Anything that is not a
  // number leaves 0, which no status_code set accepts.
  const std::size_t sp = status_line_.find(' ');
  if (sp != std::string::npos) {
    const char* first = status_line_.data() + sp + 1;
    const char* last = status_line_.data() + status_line_.size();
    std::from_chars(first, last, status_);
  }
  text.remove_prefix(eol + 2);
  while (!text.empty()) {
    const std::size_t e = text.find("\r\n");
    std::string_view line = text.substr(0, e);
    text.remove_prefix(e == std::string_view::npos ? text.size() : e + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "Content-Length")) {
      std::size_t n = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec == std::errc() && p == value.data() + value.size()) content_length_ = n;
    } else if (iequals(name, "Transfer-Encoding") && icontains(value, "chunked")) {
      chunked_ = true;
    }
  }
  // RFC 9112 6.3: no body for 1xx, 204 and 304; chunked wins over Content-Length.
  if ((status_ >= 100 && status_ < 200) || status_ == 204 || status_ == 304) {
    state_ = State::kDone;
  } else if (chunked_) {
    content_length_.reset();
    state_ = State::kChunkSize;
  } else if (content_length_ && *content_length_ == 0) {
    state_ = State::kDone;
  } else {
    state_ = State::kBody;
  }
  return true;
}

// Consumes a prefix of `bytes` (at least one byte) and returns its length.
std::size_t HttpResponseParser::feed_body(std::string_view bytes) {
  switch (state_) {
    case State::kBody: {
      if (!content_length_) {
        deliver(bytes);
        return bytes.size();
      }
      const std::size_t n = std::min(bytes.size(), *content_length_ - body_bytes_);
      deliver(bytes.substr(0, n));
      if (body_bytes_ == *content_length_) state_ = State::kDone;
      return n;
    }
    case State::kChunkData: {
      const std::size_t n = std::min(bytes.size(), chunk_left_);
      deliver(bytes.substr(0, n));
      chunk_left_ -= n;
      if (chunk_left_ == 0) state_ = State::kChunkDataEnd;
      return n;
    }
    case State::kChunkSize:
    case State::kChunkDataEnd:
    case State::kTrailer: {
      const std::size_t nl = bytes.find('\n');
      const std::size_t n = nl == std::string_view::npos ? bytes.size() : nl + 1;
      line_.append(bytes.substr(0, n));
      if (line_.size() > kMaxLineBytes) {
        fail("chunked encoding: line too long");
        return n;
      }
      if (nl == std::string_view::npos) return n;
      std::string_view line = trim(std::string_view(line_).substr(0, line_.size() - 1));
      if (state_ == State::kChunkDataEnd) {
        if (!line.empty())
          fail("chunked encoding: no CRLF after chunk data");
        else
          state_ = State::kChunkSize;
      } else if (state_ == State::kTrailer) {
        if (line.empty()) state_ = State::kDone;
      } else {
        line = line.substr(0, line.find(';'));  // chunk extensions are ignored
        line = trim(line);
        std::size_t size = 0;
        auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
        if (line.empty() || ec != std::errc() || p != line.data() + line.size()) {
          fail("chunked encoding: bad chunk size");
        } else if (size == 0) {
          state_ = State::kTrailer;
        } else {
          chunk_left_ = size;
          state_ = State::kChunkData;
        }
      }
      line_.clear();
      return n;
    }
    case State::kHeader:
    case State::kDone:
    case State::kError:
      break;
  }
  return bytes.size();
}

namespace {

// Fetched once: with OpenSSL 3, EVP_md5() makes every EVP_DigestInit_ex look the algorithm up
// in the providers again.
const EVP_MD* md5_algorithm() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "MD5", nullptr);
  return md != nullptr ? md : EVP_md5();
}

}  // namespace

struct Md5::Context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(ctx); }
};

Md5::Md5() : context_(std::make_unique<Context>()) { reset(); }

Md5::~Md5() = default;

void Md5::reset() { EVP_DigestInit_ex(context_->ctx, md5_algorithm(), nullptr); }

void Md5::update(std::string_view bytes) {
  EVP_DigestUpdate(context_->ctx, bytes.data(), bytes.size());
}

std::string Md5::hex_final() {
  std::string out;
  hex_final(out);
  return out;
}

void Md5::hex_final(std::string& out) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(context_->ctx, digest, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  out.clear();
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
}

}  // namespace vigil::checkers
