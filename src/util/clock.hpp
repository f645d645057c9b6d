#pragma once
#include <chrono>
#include <cstdint>

namespace myelin::util {

// Milliseconds since the Unix epoch, the unit of every Matrix timestamp.
inline std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace myelin::util
