#pragma once
// Walks a JSON value's leaves (everything but arrays and objects), at any depth.
#include <algorithm>
#include <boost/json.hpp>

namespace myelin::util {

// Whether `pred` holds for every leaf of `v` (true for empty arrays and objects).
template <class Pred> bool every_leaf(const boost::json::value& v, const Pred& pred) {
    if (const auto* a = v.if_array())
        return std::all_of(a->begin(), a->end(),
                           [&](const boost::json::value& x) { return every_leaf(x, pred); });
    if (const auto* o = v.if_object())
        return std::all_of(o->begin(), o->end(), [&](const boost::json::key_value_pair& kv) {
            return every_leaf(kv.value(), pred);
        });
    return pred(v);
}

} // namespace myelin::util
