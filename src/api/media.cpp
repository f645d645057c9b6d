// The media repository's endpoints: uploads (POST /_matrix/media/v3|r0/upload, the body read
// as it arrives), the authenticated downloads of spec v1.11+ (/_matrix/client/v1/media/download),
// the media config, thumbnails, asynchronous uploads, URL previews and the deprecated
// unauthenticated downloads (docs/media.md).
#include "api/routes.hpp"
#include "media/content_headers.hpp"
#include "net/response_stream.hpp"
#include "util/matrix_error.hpp"

#include <charconv>
#include <vector>

namespace myelin::api {

namespace {
constexpr std::size_t kChunk = 256 * 1024;
constexpr std::size_t kMaxFileName = 255;

MatrixError too_large(std::int64_t limit) {
    return MatrixError(413, errcode::too_large,
                       "The upload is larger than this server accepts (" + std::to_string(limit) +
                           " bytes)");
}

std::optional<std::string> upload_file_name(const Request& req) {
    const auto* name = req.query_param("filename");
    if (!name || name->empty()) return std::nullopt;
    if (name->size() > kMaxFileName) throw invalid_param("filename is longer than 255 bytes");
    return *name;
}

// Reads the body into a new file; `reserved` is the id of an asynchronous upload.
net::Awaitable receive(Services& s, Request& req, const account::Auth& auth,
                       const std::optional<std::string>& reserved) {
    auto& body = *req.body_stream;
    auto limit = s.media.settings().max_upload_bytes;
    auto declared = body.content_length();
    if (declared && *declared > static_cast<std::uint64_t>(limit)) throw too_large(limit);
    s.media.check_upload_allowed(auth.user_id, declared);
    std::optional<std::string> content_type;
    if (auto ct = req.header(net::http::field::content_type); !ct.empty())
        content_type = std::string(ct);
    auto file_name = upload_file_name(req);
    auto up = co_await s.media.begin_upload();
    std::vector<char> buf(kChunk);
    for (;;) {
        auto n = co_await body.read(buf.data(), buf.size());
        if (n == 0) break;
        co_await up->write(buf.data(), n);
    }
    auto stored =
        co_await s.media.finish_upload(*up, auth.user_id, content_type, file_name, reserved);
    if (reserved) co_return Response::empty_object();
    co_return Response::json(json::object{{"content_uri", stored.content_uri}});
}

net::Awaitable upload(Services& s, Request& req, const account::Auth& auth) {
    co_return co_await receive(s, req, auth, std::nullopt);
}

net::Awaitable upload_reserved(Services& s, Request& req, const account::Auth& auth) {
    // Refused before a byte of the body is read.
    s.media.check_reserved(req.param("serverName"), req.param("mediaId"), auth.user_id);
    std::optional<std::string> id = req.param("mediaId");
    co_return co_await receive(s, req, auth, id);
}

net::Awaitable create(Services& s, const account::Auth& auth) {
    auto p = co_await s.media.reserve(auth.user_id);
    co_return Response::json(
        json::object{{"content_uri", "mxc://" + s.media.settings().server_name + "/" + p.media_id},
                     {"unused_expires_at", p.expires_ts}});
}

// How a download asks: through which path, and how long it waits for a reserved id's upload
// (timeout_ms, spec default 20 s).
media::Fetch fetch_of(const Request& req, bool unauthenticated) {
    media::Fetch how{std::chrono::milliseconds(20'000), unauthenticated};
    const auto* v = req.query_param("timeout_ms");
    if (!v) return how;
    std::int64_t ms = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), ms);
    if (ec != std::errc() || p != v->data() + v->size() || ms < 0)
        throw invalid_param("timeout_ms must be a non-negative integer");
    how.wait = std::chrono::milliseconds(ms);
    return how;
}

// 304 with `headers` when the client holds this version already.
std::optional<Response>
not_modified(const Request& req, const std::string& etag,
             const std::vector<std::pair<std::string, std::string>>& headers) {
    if (req.header(net::http::field::if_none_match) != etag) return std::nullopt;
    Response r;
    r.status = 304;
    r.content_type.clear();
    r.headers = headers;
    return r;
}

net::Awaitable download(Services& s, Request& req, bool name_from_path, bool legacy) {
    auto file =
        co_await s.media.open(req.param("serverName"), req.param("mediaId"), fetch_of(req, legacy));
    const auto& rec = file->record;
    std::string content_type = rec.content_type.value_or("application/octet-stream");
    std::optional<std::string> name = rec.file_name;
    if (name_from_path) name = req.param("fileName");
    std::string etag = "\"" + rec.sha256 + "\"";

    auto headers = media::safety_headers();
    headers.emplace_back("ETag", etag);
    if (auto r = not_modified(req, etag, headers)) co_return std::move(*r);
    headers.emplace_back("Content-Type", content_type);
    headers.emplace_back("Content-Disposition", media::content_disposition(content_type, name));
    headers.emplace_back("Accept-Ranges", "bytes");

    std::int64_t first = 0, last = rec.size - 1;
    unsigned status = 200;
    bool unsatisfiable = false;
    if (auto range_header = req.header(net::http::field::range); !range_header.empty()) {
        auto range = media::parse_range(range_header, rec.size, unsatisfiable);
        if (unsatisfiable) {
            Response r = net::error_response(416, errcode::unknown, "The range is beyond the file");
            r.headers.emplace_back("Content-Range", "bytes */" + std::to_string(rec.size));
            co_return r;
        }
        if (range) {
            first = range->first;
            last = range->last;
            status = 206;
            headers.emplace_back("Content-Range", "bytes " + std::to_string(first) + "-" +
                                                      std::to_string(last) + "/" +
                                                      std::to_string(rec.size));
        }
    }
    std::int64_t length = rec.size == 0 ? 0 : last - first + 1;
    headers.emplace_back("Content-Length", std::to_string(length));
    if (!co_await req.stream->begin(status, headers)) co_return Response::already_streamed();
    if (req.method == net::http::verb::head) co_return Response::already_streamed();
    std::vector<char> buf(kChunk);
    std::int64_t offset = first;
    while (offset <= last && length > 0) {
        auto want = static_cast<std::size_t>(std::min<std::int64_t>(kChunk, last - offset + 1));
        auto n = co_await s.media.read(*file, offset, buf.data(), want);
        if (n == 0) break; // the file shrank under us: the client sees a short body
        if (!co_await req.stream->write(std::string_view(buf.data(), n))) break;
        offset += static_cast<std::int64_t>(n);
    }
    co_return Response::already_streamed();
}

// A required positive dimension: 400 M_MISSING_PARAM / M_INVALID_PARAM otherwise.
int dimension(const Request& req, std::string_view name) {
    const auto* v = req.query_param(name);
    if (!v) throw missing_param(std::string(name) + " is required");
    int out = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec != std::errc() || p != v->data() + v->size() || out < 1 || out > 10000)
        throw invalid_param(std::string(name) + " must be an integer from 1 to 10000");
    return out;
}

net::Awaitable thumbnail(Services& s, Request& req, bool legacy) {
    int width = dimension(req, "width"), height = dimension(req, "height");
    auto method = media::ThumbnailMethod::scale;
    if (const auto* m = req.query_param("method")) {
        if (*m == "crop")
            method = media::ThumbnailMethod::crop;
        else if (*m != "scale")
            throw invalid_param("method must be crop or scale");
    }
    bool animated = false;
    if (const auto* a = req.query_param("animated")) {
        if (*a != "true" && *a != "false") throw invalid_param("animated must be true or false");
        animated = *a == "true";
    }
    auto t = co_await s.media.thumbnail(req.param("serverName"), req.param("mediaId"), width,
                                        height, method, animated, fetch_of(req, legacy));
    std::string etag = "\"" + t.sha256 + "\"";
    Response r;
    r.headers = media::safety_headers();
    r.headers.emplace_back("ETag", etag);
    if (auto nm = not_modified(req, etag, r.headers)) co_return std::move(*nm);
    auto ext = t.content_type.substr(t.content_type.find('/') + 1);
    r.headers.emplace_back("Content-Disposition", "inline; filename=\"thumbnail." + ext + "\"");
    r.content_type = std::move(t.content_type);
    r.body = std::move(t.bytes);
    co_return r;
}

// GET /media/preview_url?url=…&ts=… (ts, the moment wanted, may be answered with a newer
// preview: the spec allows it, and one kept answer per URL is what the cache holds).
net::Awaitable preview_url(Services& s, Request& req, const account::Auth& auth) {
    const auto* url = req.query_param("url");
    if (!url || url->empty()) throw missing_param("url is required");
    if (const auto* ts = req.query_param("ts")) {
        std::int64_t v = 0;
        auto [end, ec] = std::from_chars(ts->data(), ts->data() + ts->size(), v);
        if (ec != std::errc() || end != ts->data() + ts->size())
            throw invalid_param("ts must be an integer");
    }
    auto og = co_await s.previews.preview(auth.user_id, *url);
    Response r;
    r.content_type = "application/json";
    r.body = std::move(og);
    co_return r;
}

net::Awaitable media_config(Services& s) {
    co_return Response::json(json::object{{"m.upload.size", s.media.settings().max_upload_bytes}});
}
} // namespace

void add_media_routes(net::Router& r, Services& s) {
    auto upload_handler =
        authed(s, [&s](Request& req, const account::Auth& auth) { return upload(s, req, auth); });
    for (const char* version : {"v3", "r0"})
        r.add(verb::post, std::string("/_matrix/media/") + version + "/upload", upload_handler,
              net::Body::streamed);

    r.add(verb::put, "/_matrix/media/v3/upload/{serverName}/{mediaId}",
          authed(s, [&s](Request& req,
                         const account::Auth& auth) { return upload_reserved(s, req, auth); }),
          net::Body::streamed);
    r.add(verb::post, "/_matrix/media/v1/create",
          authed(s, [&s](Request&, const account::Auth& auth) { return create(s, auth); }));

    r.client_v1(verb::get, "/media/config",
                authed(s, [&s](Request&, const account::Auth&) { return media_config(s); }));
    r.client_v1(verb::get, "/media/download/{serverName}/{mediaId}",
                authed(s, [&s](Request& req, const account::Auth&) {
                    return download(s, req, false, false);
                }));
    r.client_v1(verb::get, "/media/download/{serverName}/{mediaId}/{fileName}",
                authed(s, [&s](Request& req, const account::Auth&) {
                    return download(s, req, true, false);
                }));
    r.client_v1(
        verb::get, "/media/thumbnail/{serverName}/{mediaId}",
        authed(s, [&s](Request& req, const account::Auth&) { return thumbnail(s, req, false); }));
    auto preview_handler = authed(
        s, [&s](Request& req, const account::Auth& auth) { return preview_url(s, req, auth); });
    r.client_v1(verb::get, "/media/preview_url", preview_handler);

    // The deprecated unauthenticated paths (spec v1.11 froze them): no token asked for, and
    // what they serve is decided by [media] unauthenticated (docs/media.md).
    for (std::string v : {"/_matrix/media/v3", "/_matrix/media/r0"}) {
        r.add(verb::get, v + "/download/{serverName}/{mediaId}",
              [&s](Request& req) { return download(s, req, false, true); });
        r.add(verb::get, v + "/download/{serverName}/{mediaId}/{fileName}",
              [&s](Request& req) { return download(s, req, true, true); });
        r.add(verb::get, v + "/thumbnail/{serverName}/{mediaId}",
              [&s](Request& req) { return thumbnail(s, req, true); });
        r.add(verb::get, v + "/config",
              authed(s, [&s](Request&, const account::Auth&) { return media_config(s); }));
        r.add(verb::get, v + "/preview_url", preview_handler); // asked for a token there too
    }
}

} // namespace myelin::api
