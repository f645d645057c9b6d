#include "sse_parser.hpp"

namespace loadgen {

void SseParser::reset() {
    partial_.clear();
    data_.clear();
    type_.clear();
    has_data_ = has_field_ = has_comment_ = after_cr_ = false;
}

void SseParser::feed(std::string_view chunk) {
    std::size_t pos = 0;
    if (after_cr_ && !chunk.empty() && chunk.front() == '\n') pos = 1;
    after_cr_ = false;
    while (pos < chunk.size()) {
        auto eol = chunk.find_first_of("\r\n", pos);
        if (eol == std::string_view::npos) {
            partial_.append(chunk.substr(pos));
            return;
        }
        std::string_view l = chunk.substr(pos, eol - pos);
        if (!partial_.empty()) {
            partial_.append(l);
            line(partial_);
            partial_.clear();
            // A multi-megabyte initial sync should not stay allocated on an idle stream.
            if (partial_.capacity() > 4096) partial_.shrink_to_fit();
        } else {
            line(l);
        }
        pos = eol + 1;
        if (chunk[eol] == '\r') {
            if (pos < chunk.size()) {
                if (chunk[pos] == '\n') ++pos;
            } else {
                after_cr_ = true;
            }
        }
    }
}

void SseParser::line(std::string_view l) {
    if (l.empty()) return end_block();
    if (l.front() == ':') {
        has_comment_ = true;
        return;
    }
    has_field_ = true;
    auto colon = l.find(':');
    std::string_view name = l.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
        value = l.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (name == "data") {
        if (has_data_) data_.push_back('\n');
        data_.append(value);
        has_data_ = true;
    } else if (name == "event") {
        type_.assign(value);
    } else if (name == "id") {
        if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
    }
    // "retry" and unknown fields need nothing here.
}

void SseParser::end_block() {
    bool comment_only = has_comment_ && !has_field_;
    if (has_data_) {
        SseEvent ev{type_.empty() ? std::string_view("message") : std::string_view(type_), last_id_,
                    data_};
        handler_.on_sse_event(ev);
    }
    if (has_comment_ || has_field_) handler_.on_sse_block(comment_only);
    data_.clear();
    if (data_.capacity() > 4096) data_.shrink_to_fit();
    type_.clear();
    has_data_ = has_field_ = has_comment_ = false;
}

} // namespace loadgen
