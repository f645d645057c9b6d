#include "room/receipts.hpp"

#include "util/clock.hpp"
#include "util/ids.hpp"
#include "util/matrix_error.hpp"

namespace myelin::room {

void ReceiptService::post(const std::string& user_id, const std::string& room_id,
                          const std::string& type, const std::string& event_id,
                          const std::string& thread_id) {
    if (type != "m.read" && type != "m.read.private" && type != "m.fully_read")
        throw invalid_param("Unknown receipt type " + type);
    rooms_.version_of(room_id); // 404 for unknown rooms
    if (rooms_.membership(room_id, user_id) != std::optional<std::string>("join"))
        throw forbidden("You are not joined to this room");
    if (!ids::valid_event_id(event_id)) throw invalid_param("Malformed event id");
    auto e = events_.get_event(event_id);
    if (!e || e->room_id != room_id) throw not_found("Unknown event");
    if (type == "m.fully_read") {
        if (!thread_id.empty()) throw invalid_param("m.fully_read cannot be threaded");
        data_.put_managed(user_id, room_id, "m.fully_read",
                          boost::json::object{{"event_id", event_id}});
        return;
    }
    store_.put_receipt(
        store::ReceiptRecord{room_id, user_id, type, thread_id, event_id, util::now_ms(), 0});
    feed::Change c{feed::Kind::receipt};
    c.room = room_id;
    c.user = user_id;
    feed_.publish(c);
}

} // namespace myelin::room
