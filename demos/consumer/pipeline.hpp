// A small fiber pipeline over weft channels: numbers -> squares -> their sum.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pipeline {

// Sums the squares of 1..count through three fibers: a generator, a squarer and the
// caller, joined by two channels with room for `capacity` values (0: rendezvous).
// Call it on a fiber: inside weft::run or a checker scenario.
std::int64_t sum_of_squares(int count, std::size_t capacity);

// The same on a runtime of its own, for plain code (not on a fiber).
std::int64_t run_sum_of_squares(int count, std::size_t capacity);

}  // namespace pipeline
