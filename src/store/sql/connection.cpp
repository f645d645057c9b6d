#include "store/sql/connection.hpp"

namespace myelin::store::sql {

Transaction::Transaction(Connection& c)
    : c_(c)
    , outer_(c.tx_depth_ == 0) {
    if (outer_) c_.begin();
    ++c_.tx_depth_;
}

Transaction::~Transaction() {
    --c_.tx_depth_;
    if (outer_ && !done_) {
        try {
            c_.rollback();
        } catch (...) {
        }
    }
}

void Transaction::commit() {
    if (outer_ && !done_) c_.commit();
    done_ = true;
}

} // namespace myelin::store::sql
