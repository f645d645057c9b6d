// Boost.JSON and Boost.URL compiled into the fuzz build, instrumented like the code under test.
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
