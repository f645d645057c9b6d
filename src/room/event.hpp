#pragma once
// An event as the room layer handles it: the stored row with its PDU parsed once.
#include "store/room_records.hpp"
#include <boost/json.hpp>
#include <memory>

namespace myelin::room {

struct Event {
    store::StoredEvent row;
    boost::json::object pdu; // as stored (never redacted in place)

    const std::string& id() const { return row.event_id; }
    const std::string& type() const { return row.type; }
    const std::string& sender() const { return row.sender; }
    bool is_state() const { return row.state_key.has_value(); }
    const boost::json::object& content() const;
};

using EventPtr = std::shared_ptr<const Event>;

EventPtr parse_event(store::StoredEvent row);

} // namespace myelin::room
