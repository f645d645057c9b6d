#include "push/notification_counter.hpp"
#include "event/event_types.hpp"

#include "event/power_levels.hpp"
#include "push/evaluator.hpp"
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace myelin::push {

namespace json = boost::json;

namespace {
// The thread an event belongs to: its thread root for m.thread relations, else "main".
std::string thread_of(const room::Event& e) {
    const auto* rel = e.content().if_contains("m.relates_to");
    if (rel && rel->is_object()) {
        const auto& r = rel->get_object();
        const auto* type = r.if_contains("rel_type");
        const auto* root = r.if_contains("event_id");
        if (type && type->is_string() && type->get_string() == "m.thread" && root &&
            root->is_string())
            return std::string(root->get_string());
    }
    return "main";
}

std::string display_name_of(const room::Event& member) {
    const auto* n = member.content().if_contains("displayname");
    return n && n->is_string() ? std::string(n->get_string()) : std::string();
}
} // namespace

void NotificationCounter::on_event(const room::Event& e) {
    const auto* state = rooms_.state(e.row.room_id);
    if (!state) return;
    std::vector<std::pair<std::string, const room::Event*>> members;
    event::StateMap map;
    // The power levels need only these two (not a copy of the whole state of a big room).
    for (const char* type : {event_type::create, event_type::power_levels})
        if (auto it = state->find({type, ""}); it != state->end())
            map[it->first] = &it->second->pdu;
    for (const auto& [key, ev] : *state) {
        if (key.first != event_type::member) continue;
        // Joined after the event (only when recover() evaluates an older one): not notified.
        if (ev->row.stream_ordering > e.row.stream_ordering) continue;
        const auto* m = ev->content().if_contains("membership");
        if (m && m->is_string() && m->get_string() == "join")
            members.emplace_back(key.second, ev.get());
    }
    auto levels = event::PowerLevels::from_state(map, rooms_.version_of(e.row.room_id));
    PushContext ctx;
    ctx.member_count = static_cast<std::int64_t>(members.size());
    ctx.sender_power = levels.user_level(e.sender());
    ctx.notification_levels["room"] = levels.notification_level("room");
    auto thread = thread_of(e);
    const PreparedEvent event(e.pdu); // the body is folded once, not once per member

    std::vector<store::PushAction> actions;
    // Members who never changed their rules share the default template: run once for all.
    std::optional<SharedEvaluation> shared;
    std::shared_ptr<const json::object> shared_rules;
    for (const auto& [user_id, member] : members) {
        if (user_id == e.sender()) continue;
        auto rules = rules_.evaluable(user_id);
        ctx.user_id = user_id;
        ctx.placeholders = rules.placeholders;
        PushOutcome outcome;
        if (rules.placeholders) {
            if (!shared) {
                shared_rules = rules.rules;
                shared.emplace(*shared_rules, event, ctx);
            }
            ctx.display_name = shared->needs_display_name() ? display_name_of(*member) : "";
            outcome = shared->evaluate(ctx);
        } else {
            ctx.display_name = display_name_of(*member);
            outcome = evaluate(*rules.rules, event, ctx);
        }
        if (outcome.notify)
            actions.push_back(store::PushAction{user_id, e.row.room_id, e.row.stream_ordering,
                                                thread, outcome.highlight});
    }
    feed::Change c{feed::Kind::push_actions, feed::Origin::here, e.row.stream_ordering};
    c.room = e.row.room_id;
    c.actions = &actions;
    feed_.publish(c);
    pending_.insert(pending_.end(), std::make_move_iterator(actions.begin()),
                    std::make_move_iterator(actions.end()));
    evaluated_through_ = std::max(evaluated_through_, e.row.stream_ordering);
    if (!flush_timer_) {
        flush();
    } else if (!flush_requested_) {
        // Also with nothing to write: the recorded position moves on (recover() then has
        // less to evaluate again).
        flush_requested_ = true;
        request_flush();
    }
}

void NotificationCounter::defer_writes(boost::asio::any_io_executor ex,
                                       std::chrono::milliseconds every) {
    ex_ = ex;
    flush_every_ = every;
    flush_timer_.emplace(ex);
}

void NotificationCounter::stop() {
    if (flush_timer_) flush_timer_->cancel();
}

void NotificationCounter::request_flush() {
    flush_timer_->expires_after(flush_every_);
    flush_timer_->async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        // Behind the handlers already queued: a fan-out to 10,000 streams may still be
        // delivering, and writing 10,000 rows in its middle would delay the rest.
        boost::asio::post(ex_, [this] {
            boost::asio::post(ex_, [this] {
                try {
                    flush();
                } catch (const std::exception& e) {
                    spdlog::warn("storing push actions failed (kept for a retry): {}", e.what());
                }
            });
        });
    });
}

void NotificationCounter::flush() {
    flush_requested_ = false;
    if (!flush_timer_) {
        if (pending_.empty()) return;
        store_.put_push_actions(pending_);
    } else {
        if (pending_.empty() && evaluated_through_ <= written_through_) return;
        store_.put_push_actions(pending_, evaluated_through_);
        written_through_ = evaluated_through_;
    }
    pending_.clear();
}

std::size_t NotificationCounter::recover() {
    auto max = events_.max_stream_position();
    auto recorded = meta_.get_meta("push_actions_through");
    std::int64_t from = max;
    if (recorded) {
        try {
            from = std::stoll(*recorded);
        } catch (const std::exception&) {
            spdlog::warn("push_actions_through is not a position: '{}'", *recorded);
        }
    }
    // No record yet (a new database, or one from before the record existed): nothing queued
    // can have been lost by this code, so start from here.
    if (!recorded) meta_.put_meta("push_actions_through", std::to_string(max));
    std::size_t evaluated = 0;
    while (from < max) {
        auto rows = events_.events_between(from, max, 1000);
        if (rows.empty()) break;
        for (auto& row : rows) {
            from = row.stream_ordering;
            auto e = room::parse_event(std::move(row));
            on_event(*e);
            ++evaluated;
        }
    }
    evaluated_through_ = std::max(evaluated_through_, max);
    flush_requested_ = false;
    flush();
    return evaluated;
}

NotificationCounter::~NotificationCounter() {
    try {
        flush();
    } catch (const std::exception& e) {
        spdlog::error("push actions of {} notifications lost at shutdown: {}", pending_.size(),
                      e.what());
    }
}

std::map<std::string, store::UnreadCount> NotificationCounter::unread(const std::string& user_id,
                                                                      const std::string& room_id) {
    flush();
    return store_.unread_counts(user_id, room_id);
}

} // namespace myelin::push
