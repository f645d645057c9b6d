#pragma once
// A fresh store on either driver, for the store contract suite: SQLite in a temporary
// directory, or PostgreSQL in a database of its own on the cluster MYELIN_TEST_PG names
// (e.g. postgresql://postgres@127.0.0.1:55432, see scripts/pg_cluster.sh; the PostgreSQL
// cases are skipped without it).
#include "store/postgres/pg_connection.hpp"
#include "store/store.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <unistd.h>

namespace myelin::fixture {

enum class Driver { sqlite, postgres };

inline std::string driver_name(const ::testing::TestParamInfo<Driver>& info) {
    return info.param == Driver::sqlite ? "sqlite" : "postgres";
}

class StoreBackend {
public:
    // False (with GTEST_SKIP in the caller) when the driver is not available here.
    bool open(Driver d) {
        static std::atomic<int> n{0};
        auto id = std::to_string(::getpid()) + "_" + std::to_string(n++);
        if (d == Driver::sqlite) {
            dir_ = std::filesystem::temp_directory_path() / ("myelin-contract-" + id);
            std::filesystem::create_directories(dir_);
            url_ = "sqlite:" + (dir_ / "t.db").string();
        } else {
            const char* env = std::getenv("MYELIN_TEST_PG");
            if (!env || !*env) return false;
            base_ = env;
            while (!base_.empty() && base_.back() == '/')
                base_.pop_back();
            db_ = "myelin_contract_" + id;
            admin("DROP DATABASE IF EXISTS \"" + db_ + "\"");
            admin("CREATE DATABASE \"" + db_ + "\"");
            url_ = base_ + "/" + db_;
        }
        store_ = store::open_store(url_);
        return true;
    }
    ~StoreBackend() {
        store_.reset();
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
        if (!db_.empty()) admin("DROP DATABASE IF EXISTS \"" + db_ + "\" WITH (FORCE)");
    }
    store::Store& store() { return *store_; }
    // Closes the store and opens the same database again (what a restart sees).
    store::Store& reopen() {
        store_.reset();
        store_ = store::open_store(url_);
        return *store_;
    }
    const std::string& url() const { return url_; }

private:
    void admin(const std::string& sql) {
        store::postgres::PgConnection(base_ + "/postgres").exec(sql);
    }
    std::filesystem::path dir_;
    std::string base_, db_, url_;
    std::unique_ptr<store::Store> store_;
};

} // namespace myelin::fixture
