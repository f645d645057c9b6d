#include "room/event.hpp"

#include "util/json_fields.hpp"

namespace myelin::room {

const boost::json::object& Event::content() const {
    static const boost::json::object empty;
    const auto* c = pdu.if_contains("content");
    return c && c->is_object() ? c->get_object() : empty;
}

EventPtr parse_event(store::StoredEvent row) {
    auto e = std::make_shared<Event>();
    e->pdu = json_fields::parse_stored(row.json).as_object();
    e->row = std::move(row);
    return e;
}

} // namespace myelin::room
