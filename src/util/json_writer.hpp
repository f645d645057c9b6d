#pragma once
// Streams JSON text with commas handled for you, and splices in pre-serialized fragments
// (events serialized once and shared by every sync response they appear in).
#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace myelin::util {

class JsonWriter {
public:
    JsonWriter& begin_object() { return open('{'); }
    JsonWriter& end_object() { return close('}'); }
    JsonWriter& begin_array() { return open('['); }
    JsonWriter& end_array() { return close(']'); }
    JsonWriter& key(std::string_view k) {
        comma();
        out_ += boost::json::serialize(boost::json::string_view(k.data(), k.size()));
        out_.push_back(':');
        after_key_ = true;
        return *this;
    }
    JsonWriter& value(const boost::json::value& v) {
        comma();
        out_ += boost::json::serialize(v);
        return *this;
    }
    JsonWriter& string(std::string_view s) {
        comma();
        out_ += boost::json::serialize(boost::json::string_view(s.data(), s.size()));
        return *this;
    }
    // Already-serialized JSON (one complete value).
    JsonWriter& raw(std::string_view json) {
        comma();
        out_ += json;
        return *this;
    }
    std::string take() { return std::move(out_); }
    const std::string& text() const { return out_; }

private:
    JsonWriter& open(char c) {
        comma();
        out_.push_back(c);
        first_.push_back(true);
        return *this;
    }
    JsonWriter& close(char c) {
        out_.push_back(c);
        first_.pop_back();
        return *this;
    }
    void comma() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (first_.empty()) return;
        if (!first_.back()) out_.push_back(',');
        first_.back() = false;
    }

    std::string out_;
    std::vector<bool> first_;
    bool after_key_ = false;
};

} // namespace myelin::util
