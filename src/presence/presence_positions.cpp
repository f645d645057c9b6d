#include "presence/presence_positions.hpp"

#include <iterator>

namespace myelin::presence {

void PresenceOnlyPositions::add(std::int64_t pos) {
    auto next = runs_.upper_bound(pos); // the first run starting after pos
    if (next != runs_.begin()) {
        auto prev = std::prev(next);
        if (prev->second >= pos) return; // known already
        if (prev->second == pos - 1) {
            prev->second = pos;
            if (next != runs_.end() && next->first == pos + 1) {
                prev->second = next->second;
                runs_.erase(next);
            }
            return;
        }
    }
    if (next != runs_.end() && next->first == pos + 1) {
        auto last = next->second;
        runs_.erase(next);
        runs_.emplace(pos, last);
    } else {
        runs_.emplace(pos, pos);
    }
    while (runs_.size() > max_runs_)
        runs_.erase(runs_.begin());
}

std::int64_t PresenceOnlyPositions::floor(std::int64_t x) const {
    auto it = runs_.upper_bound(x);
    if (it == runs_.begin()) return x;
    --it;
    return it->second >= x ? it->first - 1 : x;
}

} // namespace myelin::presence
