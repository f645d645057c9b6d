// Asynchronous uploads (spec v1.7): a client reserves a media id, sends the event that names
// it at once, and uploads the bytes after; downloads of the id meanwhile wait (timeout_ms).
#include "media/media_service.hpp"
#include "util/clock.hpp"
#include "util/matrix_error.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace myelin::media {

using boost::asio::awaitable;

awaitable<store::PendingMedia> MediaService::reserve(const std::string& uploader) {
    auto now = util::now_ms();
    store_.expire_pending_media(now);
    if (store_.count_pending_media(uploader, now) >= settings_.max_pending_per_user)
        throw MatrixError(429, errcode::limit_exceeded,
                          "Too many media ids reserved and not yet uploaded");
    store::PendingMedia p;
    p.uploader = uploader;
    p.expires_ts = now + settings_.pending_lifetime_ms;
    allocate_media_id(
        p, [this](const store::PendingMedia& row) { return store_.put_pending_media(row); });
    co_return p;
}

void MediaService::check_reserved(const std::string& server_name, const std::string& media_id,
                                  const std::string& uploader) {
    if (find_uploaded(server_name, media_id))
        throw MatrixError(409, errcode::cannot_overwrite_media, "The media is already uploaded");
    auto p = store_.get_pending_media(media_id);
    if (!p || p->expires_ts <= util::now_ms()) throw not_found("Media not found");
    if (p->uploader != uploader) throw forbidden("Another user reserved this media id");
}

awaitable<void> MediaService::wait_for_upload(const std::string& media_id,
                                              std::chrono::milliseconds wait) {
    wait = std::min(wait, std::chrono::milliseconds(settings_.max_wait_ms));
    if (wait.count() <= 0) co_return;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, wait);
    // Removed however the wait ends, a destroyed coroutine included.
    struct Registration {
        std::unordered_multimap<std::string, boost::asio::steady_timer*>& map;
        std::unordered_multimap<std::string, boost::asio::steady_timer*>::iterator it;
        ~Registration() { map.erase(it); }
    } reg{waiters_, waiters_.emplace(media_id, &timer)};
    boost::system::error_code ec;
    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
}

void MediaService::wake_waiters(const std::string& media_id) {
    auto [first, last] = waiters_.equal_range(media_id);
    for (auto it = first; it != last; ++it)
        it->second->cancel();
}

} // namespace myelin::media
