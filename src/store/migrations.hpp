#pragma once
// Versioned schema. Migration N (1-based) brings the schema from version N-1 to N.
// The SQL sticks to what SQLite and PostgreSQL both accept, so one list serves both backends.
#include <string>
#include <vector>

namespace myelin::store {

const std::vector<std::string>& migrations();

} // namespace myelin::store
