#pragma once
// URL previews (GET /media/preview_url): the server fetches the page for a user, reads its
// OpenGraph properties (media/html_meta.hpp), stores the image it names as media and answers
// with both; the answer is kept `cache_ms` for whoever asks next. Every fetch goes through one
// net::HttpClient whose DestinationPolicy refuses the operator's own network (docs/media.md).
#include "account/rate_limiter.hpp"
#include "media/media_service.hpp"
#include "net/http_client.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <string>

namespace myelin::media {

class UrlPreviewer {
public:
    // Throws std::invalid_argument for a malformed range in the settings.
    UrlPreviewer(const UrlPreviewSettings& settings, MediaService& media, store::MediaStore& store,
                 util::BlockingPool& pool, boost::asio::any_io_executor ex);

    // The preview's JSON text. 404 M_UNRECOGNIZED when previews are off, 400 for a URL that
    // is not http(s), 403 M_FORBIDDEN for a refused destination, 429 past the user's rate,
    // 502/504 when the page cannot be had.
    boost::asio::awaitable<std::string> preview(const std::string& user, const std::string& url);

private:
    boost::asio::awaitable<std::string> fetch_preview(const std::string& url);
    // The image at `url` stored as media: its og:image* properties, or nothing when it cannot
    // be had or is not an image this server decodes.
    boost::asio::awaitable<boost::json::object> store_image(const std::string& url);
    boost::asio::awaitable<boost::json::object> image_properties(const std::string& bytes,
                                                                 const std::string& content_type);

    UrlPreviewSettings settings_;
    MediaService& media_;
    store::MediaStore& store_;
    util::BlockingPool& pool_;
    net::HttpClient http_;
    account::RateLimiter limiter_;
    int fetching_ = 0; // previews being fetched now (on the event loop's thread)
};

} // namespace myelin::media
