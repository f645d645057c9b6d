#pragma once
// Content hashes and reference hashes (event ids, v12 room ids).
#include "event/room_version.hpp"
#include <boost/json.hpp>
#include <string>

namespace myelin::event {

// SHA-256 of the canonical JSON without unsigned, signatures and hashes; unpadded base64.
std::string content_hash_base64(const boost::json::object& event);
void add_content_hash(boost::json::object& event); // sets hashes.sha256
// Raw SHA-256 of the redacted event without signatures and unsigned.
std::string reference_hash(const boost::json::object& event, const RoomVersion& v);
std::string event_id_for(const boost::json::object& event, const RoomVersion& v); // "$" + b64url
std::string room_id_for_create_event(const boost::json::object& create, const RoomVersion& v);

class SigningKey;
// Signs a PDU as the spec's "Signing events" says: the signature covers the redacted event
// (so it survives redaction) and is added to the full event.
void sign_event(boost::json::object& event, const SigningKey& key, const std::string& server_name,
                const RoomVersion& v);

} // namespace myelin::event
