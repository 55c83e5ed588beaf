// Used only where the distribution ships no prebuilt Catch2 main.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
