#pragma once
// Read paths over rooms: /messages, /context, /event, /state, /members, /relations,
// each filtered by history visibility and shaped in the client-server event format.
#include "room/event_filter.hpp"
#include "room/room_service.hpp"

namespace myelin::room {

struct PageRequest {
    std::optional<std::string> from, to;
    char dir = 'b';
    std::int64_t limit = 10;
};

class RoomReader {
public:
    RoomReader(RoomService& rooms, store::EventStore& events, store::ReceiptStore& receipts)
        : rooms_(rooms)
        , store_(events)
        , receipts_(receipts) {}

    boost::json::object messages(const std::string& user_id, const std::string& room_id,
                                 const PageRequest& page, const EventFilter& filter);
    boost::json::object context(const std::string& user_id, const std::string& room_id,
                                const std::string& event_id, std::int64_t limit,
                                const EventFilter& filter);
    // The PDU of `event_id` for another server, as stored and signed; 404 M_NOT_FOUND when
    // unknown or not visible to that server.
    boost::json::object pdu_for_server(const std::string& server_name, const std::string& event_id);
    boost::json::object event(const std::string& user_id, const std::string& room_id,
                              const std::string& event_id);
    boost::json::array state(const std::string& user_id, const std::string& room_id);
    boost::json::object state_content(const std::string& user_id, const std::string& room_id,
                                      const std::string& type, const std::string& state_key);
    boost::json::object members(const std::string& user_id, const std::string& room_id,
                                const std::optional<std::string>& at,
                                const std::optional<std::string>& membership,
                                const std::optional<std::string>& not_membership);
    boost::json::object joined_members(const std::string& user_id, const std::string& room_id);
    boost::json::array joined_rooms(const std::string& user_id);
    boost::json::object relations(const std::string& user_id, const std::string& room_id,
                                  const std::string& event_id,
                                  const std::optional<std::string>& rel_type,
                                  const std::optional<std::string>& event_type,
                                  const PageRequest& page);

    // Client format of a stored event, redacted if a redaction applies.
    boost::json::object to_client(const store::StoredEvent& row, const event::RoomVersion& v);

private:
    // The stream position whose state the user may see: now if joined (or the room is world
    // readable), the moment they left if they left or were banned; 403 otherwise.
    std::int64_t visible_state_position(const std::string& user_id, const std::string& room_id);
    std::optional<std::int64_t> parse_token(const std::optional<std::string>& t);

    RoomService& rooms_;
    store::EventStore& store_;
    store::ReceiptStore& receipts_;
};

} // namespace myelin::room
