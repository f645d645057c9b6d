#include "media/url_preview.hpp"

#include "media/content_headers.hpp"
#include "media/html_meta.hpp"
#include "util/clock.hpp"
#include "util/matrix_error.hpp"

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

namespace myelin::media {

using boost::asio::awaitable;
namespace json = boost::json;

namespace {
constexpr std::size_t kMaxUrl = 2048;
// Fetches in flight at once, all users together: each may hold a page of max_page_bytes.
constexpr int kMaxFetching = 32;

net::HttpClientSettings client_settings(const UrlPreviewSettings& s) {
    net::HttpClientSettings c;
    c.policy = net::DestinationPolicy::standard(s.ip_range_denylist, s.ip_range_allowlist);
    c.user_agent = s.user_agent;
    c.ca_file = s.ca_file;
    return c;
}

MatrixError fetch_refused(const net::FetchError& e) {
    using F = net::FetchFailure;
    switch (e.failure) {
    case F::refused:
        return forbidden(std::string("URL previews cannot fetch this: ") + e.what());
    case F::bad_url:
        return invalid_param(e.what());
    case F::timeout:
        return MatrixError(504, errcode::unknown, e.what());
    case F::too_large:
        return MatrixError(502, errcode::too_large, "The page is larger than this server fetches");
    default:
        return MatrixError(502, errcode::unknown, std::string("Cannot fetch: ") + e.what());
    }
}

bool is_html(const std::string& type) {
    return type == "text/html" || type == "application/xhtml+xml";
}

// HTML parsing is CPU work on untrusted bytes: on the pool (a plain function for GCC 12).
auto parse_on_pool(util::BlockingPool& pool, const std::string& body, const std::string& ct,
                   const std::string& url) {
    return pool.run([&body, &ct, &url] { return parse_html_meta(body, ct, url); });
}

auto probe_on_pool(util::BlockingPool& pool, std::filesystem::path path) {
    return pool.run([path = std::move(path)]() -> std::optional<ImageInfo> {
        try {
            return probe_image(path);
        } catch (const ThumbnailError&) {
            return std::nullopt;
        }
    });
}
} // namespace

UrlPreviewer::UrlPreviewer(const UrlPreviewSettings& settings, MediaService& media,
                           store::MediaStore& store, util::BlockingPool& pool,
                           boost::asio::any_io_executor ex)
    : settings_(settings)
    , media_(media)
    , store_(store)
    , pool_(pool)
    , http_(std::move(ex), client_settings(settings))
    , limiter_(settings.rate) {
    init_html_meta();
}

awaitable<std::string> UrlPreviewer::preview(const std::string& user, const std::string& url) {
    if (!settings_.enabled)
        throw MatrixError(404, errcode::unrecognized, "URL previews are disabled on this server");
    if (url.size() > kMaxUrl) throw invalid_param("The URL is longer than 2048 bytes");
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || (parsed->scheme_id() != boost::urls::scheme::http &&
                    parsed->scheme_id() != boost::urls::scheme::https))
        throw invalid_param("url must be an http or https URL");
    if (auto kept = store_.get_url_preview(url);
        kept && kept->fetched_ts + settings_.cache_ms > util::now_ms())
        co_return kept->og_json;
    limiter_.check(user); // only fetches count: answers from the cache cost nothing
    if (fetching_ >= kMaxFetching) {
        MatrixError busy(429, errcode::limit_exceeded, "Too many URL previews are being fetched");
        busy.extra["retry_after_ms"] = 1000;
        throw busy;
    }
    struct Count {
        int& n;
        explicit Count(int& c)
            : n(++c) {}
        ~Count() { --n; }
    } counted(fetching_);
    auto og = co_await fetch_preview(url);
    store_.put_url_preview(store::UrlPreviewRecord{url, util::now_ms(), og});
    co_return og;
}

awaitable<std::string> UrlPreviewer::fetch_preview(const std::string& url) {
    net::FetchRequest req;
    req.url = url;
    req.max_body_bytes = static_cast<std::size_t>(settings_.max_page_bytes);
    req.timeout = std::chrono::milliseconds(settings_.timeout_ms);
    req.headers = {{"Accept", "text/html,application/xhtml+xml,image/*;q=0.9,*/*;q=0.1"},
                   {"Accept-Language", "en;q=0.9,*;q=0.5"}};
    net::FetchResult page;
    try {
        page = co_await http_.request(req);
    } catch (const net::FetchError& e) {
        spdlog::debug("url preview {}: {}", url, e.what());
        throw fetch_refused(e);
    }
    if (page.status != 200)
        throw MatrixError(502, errcode::unknown,
                          "The page answered HTTP " + std::to_string(page.status));
    auto type = base_type(page.content_type);
    json::object og;
    if (type.rfind("image/", 0) == 0) {
        og = co_await image_properties(page.body, type);
    } else if (is_html(type)) {
        auto meta = co_await parse_on_pool(pool_, page.body, page.content_type, page.url);
        for (auto& [k, v] : meta.og)
            og[k] = v;
        if (!meta.image_url.empty()) {
            auto image = co_await store_image(meta.image_url);
            for (auto& [k, v] : image)
                og[k] = v;
        }
    }
    // Anything else (a PDF, a video) previews as nothing: {}.
    co_return json::serialize(og);
}

awaitable<json::object> UrlPreviewer::store_image(const std::string& url) {
    net::FetchRequest req;
    req.url = url;
    req.max_body_bytes = static_cast<std::size_t>(
        std::min(settings_.max_page_bytes, media_.settings().max_upload_bytes));
    req.timeout = std::chrono::milliseconds(settings_.timeout_ms);
    req.headers = {{"Accept", "image/*"}};
    net::FetchResult img;
    try {
        img = co_await http_.request(req);
    } catch (const net::FetchError& e) {
        spdlog::debug("url preview image {}: {}", url, e.what());
        co_return json::object{};
    }
    auto type = base_type(img.content_type);
    if (img.status != 200 || type.rfind("image/", 0) != 0) co_return json::object{};
    co_return co_await image_properties(img.body, type);
}

awaitable<json::object> UrlPreviewer::image_properties(const std::string& bytes,
                                                       const std::string& content_type) {
    // Stored as the server's own media (uploader ""), then checked: what libvips does not
    // decode is not shown (and goes with the next cleanup of unused media).
    auto stored = co_await media_.store_bytes(bytes, content_type, "");
    auto info = co_await probe_on_pool(pool_, media_.content_path(stored.sha256));
    if (!info) co_return json::object{};
    json::object og{{"og:image", stored.content_uri},
                    {"og:image:type", info->content_type},
                    {"og:image:width", info->width},
                    {"og:image:height", info->height},
                    {"matrix:image:size", static_cast<std::int64_t>(bytes.size())}};
    // The thumbnail clients draw a preview with (Element asks for 100x100, scaled), made now
    // so the first of them does not wait for it.
    try {
        co_await media_.thumbnail(media_.settings().server_name, stored.media_id, 100, 100,
                                  ThumbnailMethod::scale, false, Fetch{});
    } catch (const MatrixError& e) {
        spdlog::debug("url preview image {}: no thumbnail: {}", stored.media_id, e.what());
    }
    co_return og;
}

} // namespace myelin::media
