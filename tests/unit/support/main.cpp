///@file Boost.Test entry point shared by the unit test executables.
#define BOOST_TEST_MODULE nixdrill
#include <boost/test/unit_test.hpp>
