// main() of the Catch2 test where the distribution ships no prebuilt Catch2 main.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
