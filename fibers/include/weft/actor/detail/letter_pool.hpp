// Memory for mailbox letters: a free list per kernel thread and size class, in front of
// the global allocator. A letter is allocated by its sender and freed by its receiver,
// often on the same worker; the free list makes that a few loads and stores instead of
// malloc and free (measured: half the time of a one-way message stream went there).
// Sanitizer builds skip the lists so that use-after-free stays visible.
#pragma once

#include <cstddef>

namespace weft::detail {

void* allocate_letter(std::size_t bytes);
void free_letter(void* letter, std::size_t bytes) noexcept;

}  // namespace weft::detail
