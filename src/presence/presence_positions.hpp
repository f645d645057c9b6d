#pragma once
// Stream positions known to hold nothing but a presence change: the ones this process's own
// presence writes took (each write takes a position of its own and puts only the presence row
// there). Kept as maximal runs of consecutive positions, so that
//   floor(x) = the smallest y <= x such that every position in (y, x] is one of them
// is one lookup. For everything in a sync but presence itself, (since, P] and (floor(since), P]
// hold the same rows: syncs whose `since` differs only by presence writes (streams that
// connected one after another, each connection writing its user's presence) share the range
// caches keyed by the floor.
// Positions other processes took are not known here, so a floor never crosses them (less
// sharing, never a wrong answer). Bounded: past `max_runs` the oldest runs are forgotten.
#include <cstddef>
#include <cstdint>
#include <map>

namespace myelin::presence {

class PresenceOnlyPositions {
public:
    explicit PresenceOnlyPositions(std::size_t max_runs = 4096)
        : max_runs_(max_runs) {}
    // Position `pos` holds only a presence change.
    void add(std::int64_t pos);
    std::int64_t floor(std::int64_t x) const;
    std::size_t runs() const { return runs_.size(); }

private:
    std::size_t max_runs_;
    std::map<std::int64_t, std::int64_t> runs_; // first -> last, disjoint and never adjacent
};

} // namespace myelin::presence
